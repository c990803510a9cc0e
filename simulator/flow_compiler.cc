#include "simulator/flow_compiler.h"

#include <algorithm>
#include <deque>
#include <optional>
#include <utility>

#include "absl/container/flat_hash_map.h"
#include "absl/strings/str_cat.h"

namespace cxone::sim {

nlohmann::json Diagnostic::ToJson() const {
  if (code.empty()) return message;
  nlohmann::json json = {{"code", code}, {"message", message}};
  if (location.has_value()) {
    json["location"] = {{"line", location.line}, {"column", location.column}};
  }
  return json;
}

void PrintTo(const Diagnostic& diagnostic, std::ostream* out) {
  *out << diagnostic.ToJson().dump(-1, ' ', false,
                                   nlohmann::json::error_handler_t::replace);
  if (diagnostic.code.empty() && diagnostic.location.has_value()) {
    *out << " @" << diagnostic.location.line << ":"
         << diagnostic.location.column;
  }
}

namespace {

// A value from the flow file, quoted and escaped for a message (a flow may
// hold ids with quotes or control characters in them).
std::string Quote(absl::string_view text) {
  constexpr size_t kMaxShown = 100;
  std::string shown(text.substr(0, kMaxShown));
  if (text.size() > kMaxShown) shown += "...";
  return nlohmann::json(shown).dump(-1, ' ', false,
                                    nlohmann::json::error_handler_t::replace);
}

// One entry of "nodes", as far as it could be understood.
struct NodeInfo {
  const JsonValue* node = nullptr;  // the node object; nullptr if not one
  // The node's id if it is a non-empty string, else nullopt.
  std::optional<std::string> id;
  std::string label;  // how messages name the node
};

class FlowChecker {
 public:
  FlowCompileResult Check(const JsonValue& root) {
    if (!root.is_object()) {
      Error(kValidationError, root.location,
            absl::StrCat("flow must be a JSON object, but the document is ",
                         Article(root.type_name())));
      return Finish();
    }
    CheckName(root);
    const JsonValue* start = root.Find("start");
    if (start == nullptr) {
      Error(kValidationError, root.location,
            "flow has no \"start\" (the id of the first node)");
    } else if (!start->is_string()) {
      Error(kValidationError, start->location,
            absl::StrCat("\"start\" must be a string naming a node, got ",
                         start->type_name()));
    }
    const JsonValue* nodes = root.Find("nodes");
    if (nodes == nullptr) {
      Error(kValidationError, root.location, "flow has no \"nodes\" array");
    } else if (!nodes->is_array()) {
      Error(
          kValidationError, nodes->location,
          absl::StrCat("\"nodes\" must be an array, got ", nodes->type_name()));
      nodes = nullptr;
    }
    if (nodes != nullptr) CollectNodes(*nodes);
    // References are checked only once every id is known, so that a node
    // may name one defined further down.
    std::optional<size_t> start_index;
    if (start != nullptr && start->is_string()) {
      start_index = Resolve(*start, "\"start\" names node ");
    }
    for (const NodeInfo& info : nodes_) {
      if (info.node != nullptr) CheckNodeFields(info);
    }
    if (start_index.has_value()) WarnUnreachable(*start_index);
    return Finish();
  }

 private:
  static std::string Article(absl::string_view type_name) {
    const bool vowel =
        !type_name.empty() && absl::string_view("aeiou").find(type_name[0]) !=
                                  absl::string_view::npos;
    return absl::StrCat(vowel ? "an " : "a ", type_name);
  }

  void Error(const char* code, JsonLocation location, std::string message) {
    result_.errors.push_back({code, std::move(message), location});
  }

  void CheckName(const JsonValue& root) {
    const JsonValue* name = root.Find("name");
    if (name == nullptr) {
      result_.warnings.push_back({"", "flow has no name", {}});
    } else if (!name->is_string()) {
      Error(kValidationError, name->location,
            absl::StrCat("\"name\" must be a string, got ", name->type_name()));
    }
  }

  // Records every node and its id; reports non-objects, bad or missing ids
  // and duplicates.
  void CollectNodes(const JsonValue& nodes) {
    for (size_t i = 0; i < nodes.items.size(); ++i) {
      const JsonValue& node = nodes.items[i];
      NodeInfo info;
      info.label = absl::StrCat("nodes[", i, "]");
      if (!node.is_object()) {
        Error(kValidationError, node.location,
              absl::StrCat(info.label, " must be an object, got ",
                           node.type_name()));
        nodes_.push_back(std::move(info));
        continue;
      }
      info.node = &node;
      const JsonValue* id = node.Find("id");
      if (id == nullptr) {
        Error(kValidationError, node.location,
              absl::StrCat(info.label, " has no \"id\""));
      } else if (!id->is_string()) {
        Error(kValidationError, id->location,
              absl::StrCat(info.label, ": \"id\" must be a string, got ",
                           id->type_name()));
      } else if (id->text.empty()) {
        Error(kValidationError, id->location,
              absl::StrCat(info.label, ": \"id\" must not be empty"));
      } else {
        info.id = id->text;
        info.label = absl::StrCat("node ", Quote(id->text));
        auto [it, inserted] = first_index_.try_emplace(id->text, i);
        if (!inserted) {
          Error(kValidationError, id->location,
                absl::StrCat("duplicate node id ", Quote(id->text),
                             " (first defined on line ",
                             nodes_[it->second].node->Find("id")->location.line,
                             ")"));
        }
      }
      nodes_.push_back(std::move(info));
    }
  }

  // The index of the node that `ref` names, or nullopt after reporting a
  // REFERENCE_ERROR whose message starts with `what`.
  // REQUIRES: ref.is_string().
  std::optional<size_t> Resolve(const JsonValue& ref, absl::string_view what) {
    auto it = first_index_.find(ref.text);
    if (it != first_index_.end()) return it->second;
    Error(kReferenceError, ref.location,
          absl::StrCat(what, Quote(ref.text), ", which does not exist"));
    return std::nullopt;
  }

  // REQUIRES: info.node != nullptr.
  void CheckNodeFields(const NodeInfo& info) {
    const JsonValue& node = *info.node;
    const JsonValue* type = node.Find("type");
    if (type == nullptr) {
      Error(kValidationError, node.location,
            absl::StrCat(info.label, " has no \"type\""));
    } else if (!type->is_string()) {
      Error(kValidationError, type->location,
            absl::StrCat(info.label, ": \"type\" must be a string, got ",
                         type->type_name()));
    }
    std::vector<size_t>& edges = edges_[&node];
    if (const JsonValue* next = node.Find("next"); next != nullptr) {
      if (!next->is_string()) {
        Error(kValidationError, next->location,
              absl::StrCat(info.label,
                           ": \"next\" must be a string naming a node, got ",
                           next->type_name()));
      } else if (auto target = Resolve(
                     *next, absl::StrCat(info.label, ": \"next\" names node "));
                 target.has_value()) {
        edges.push_back(*target);
      }
    }
    const JsonValue* transitions = node.Find("transitions");
    if (transitions == nullptr) return;
    if (!transitions->is_object()) {
      Error(
          kValidationError, transitions->location,
          absl::StrCat(info.label, ": \"transitions\" must be an object, got ",
                       transitions->type_name()));
      return;
    }
    for (const JsonMember& transition : transitions->members) {
      const std::string label =
          absl::StrCat(info.label, ": transition ", Quote(transition.key));
      if (!transition.value.is_string()) {
        Error(kValidationError, transition.value.location,
              absl::StrCat(label, " must be a string naming a node, got ",
                           transition.value.type_name()));
      } else if (auto target = Resolve(transition.value,
                                       absl::StrCat(label, " names node "));
                 target.has_value()) {
        edges.push_back(*target);
      }
    }
  }

  // Warns about each node (first definition of its id) that no path of
  // "next" and transitions leads to from the start node. Later duplicates
  // and nodes without an id already have an error and are not repeated.
  void WarnUnreachable(size_t start_index) {
    std::vector<bool> reached(nodes_.size(), false);
    std::deque<size_t> queue = {start_index};
    reached[start_index] = true;
    while (!queue.empty()) {
      const size_t index = queue.front();
      queue.pop_front();
      auto it = edges_.find(nodes_[index].node);
      if (it == edges_.end()) continue;
      for (size_t target : it->second) {
        if (!reached[target]) {
          reached[target] = true;
          queue.push_back(target);
        }
      }
    }
    const std::string& start_id = *nodes_[start_index].id;
    for (size_t i = 0; i < nodes_.size(); ++i) {
      const NodeInfo& info = nodes_[i];
      if (reached[i] || !info.id.has_value() || first_index_[*info.id] != i) {
        continue;
      }
      result_.warnings.push_back(
          {kUnreachableNode,
           absl::StrCat(info.label, " is not reachable from start node ",
                        Quote(start_id)),
           info.node->location});
    }
  }

  FlowCompileResult Finish() {
    const auto by_location = [](const Diagnostic& a, const Diagnostic& b) {
      return a.location < b.location;
    };
    std::stable_sort(result_.errors.begin(), result_.errors.end(), by_location);
    std::stable_sort(result_.warnings.begin(), result_.warnings.end(),
                     by_location);
    return std::move(result_);
  }

  FlowCompileResult result_;
  std::vector<NodeInfo> nodes_;  // one per entry of "nodes", in order
  absl::flat_hash_map<std::string, size_t> first_index_;  // id → nodes_ index
  // Node object → indices of the nodes it leads to.
  absl::flat_hash_map<const JsonValue*, std::vector<size_t>> edges_;
};

}  // namespace

FlowCompileResult CompileFlow(absl::string_view text) {
  const JsonParseResult parsed = ParseJsonWithLocations(text);
  if (!parsed.ok()) {
    FlowCompileResult result;
    result.errors.push_back(
        {kSyntaxError, parsed.error().message, parsed.error().location});
    return result;
  }
  return FlowChecker().Check(parsed.value());
}

}  // namespace cxone::sim

#include "server/webhooks/webhook_config.h"

#include <yaml-cpp/yaml.h>

#include <fstream>
#include <sstream>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/strip.h"
#include "common/loopback.h"
#include "common/private_network.h"
#include "common/resource_name.h"
#include "nlohmann/json.hpp"

namespace cxone {
namespace {

namespace v1 = ::cxone::compile::v1;
using nlohmann::json;

constexpr int kMaxConcurrency = 256;
constexpr size_t kMaxEndpoints = 256;

// Bounds on the YAML a config may expand to. yaml-cpp shares an aliased
// node rather than copying it, so a document of a few lines can stand for
// an endless one: `&a [*a]` is a node that contains itself (converting it
// would recurse until the stack overflows), and ten levels of ten aliases
// each are ten billion values.
constexpr int kMaxYamlDepth = 64;
constexpr size_t kMaxYamlValues = 100000;

// YAML, as the JSON the rest of the loader reads; `*values` counts what has
// been converted so far, against kMaxYamlValues. yaml-cpp reports errors by
// exception: they stop here.
absl::StatusOr<json> YamlToJson(const YAML::Node& node, int depth,
                                size_t* values) {
  if (depth > kMaxYamlDepth) {
    return absl::InvalidArgumentError(
        absl::StrCat("YAML nested deeper than ", kMaxYamlDepth,
                     " levels (or an alias that refers to its own anchor)"));
  }
  if (++*values > kMaxYamlValues) {
    return absl::InvalidArgumentError(
        absl::StrCat("YAML expands to more than ", kMaxYamlValues,
                     " values (aliases repeating aliases?)"));
  }
  switch (node.Type()) {
    case YAML::NodeType::Null:
    case YAML::NodeType::Undefined:
      return json();
    case YAML::NodeType::Sequence: {
      json array = json::array();
      for (const YAML::Node& item : node) {
        absl::StatusOr<json> converted = YamlToJson(item, depth + 1, values);
        if (!converted.ok()) return converted;
        array.push_back(*std::move(converted));
      }
      return array;
    }
    case YAML::NodeType::Map: {
      json object = json::object();
      for (const auto& entry : node) {
        absl::StatusOr<json> converted =
            YamlToJson(entry.second, depth + 1, values);
        if (!converted.ok()) return converted;
        object[entry.first.Scalar()] = *std::move(converted);
      }
      return object;
    }
    case YAML::NodeType::Scalar: {
      const std::string& text = node.Scalar();
      if (node.Tag() == "!") return text;  // quoted: a string
      if (text == "true" || text == "false") return text == "true";
      int64_t integer;
      if (absl::SimpleAtoi(text, &integer)) return integer;
      double number;
      if (absl::SimpleAtod(text, &number) &&
          text.find_first_not_of("0123456789.+-eE") == std::string::npos) {
        return number;
      }
      return text;
    }
  }
  return json();
}

absl::StatusOr<json> ParseText(const std::string& text, bool yaml,
                               const std::string& origin) {
  if (!yaml) {
    json parsed = json::parse(text, nullptr, /*allow_exceptions=*/false);
    if (parsed.is_discarded()) {
      return absl::InvalidArgumentError(
          absl::StrCat(origin, ": not valid JSON"));
    }
    return parsed;
  }
  try {
    size_t values = 0;
    absl::StatusOr<json> converted = YamlToJson(YAML::Load(text), 0, &values);
    if (!converted.ok()) {
      return absl::InvalidArgumentError(
          absl::StrCat(origin, ": ", converted.status().message()));
    }
    return converted;
  } catch (const YAML::Exception& error) {
    return absl::InvalidArgumentError(
        absl::StrCat(origin, ": not valid YAML: line ", error.mark.line + 1,
                     ": ", error.msg));
  }
}

absl::StatusOr<std::string> ReadFile(const std::string& path) {
  std::ifstream file(path, std::ios::binary);
  if (!file) return absl::NotFoundError(absl::StrCat("cannot read ", path));
  std::ostringstream text;
  text << file.rdbuf();
  return text.str();
}

// The host of an http(s) URL, or an error saying what is wrong with it.
absl::StatusOr<std::string> HostOf(const std::string& url) {
  absl::string_view rest = url;
  if (!absl::ConsumePrefix(&rest, "https://") &&
      !absl::ConsumePrefix(&rest, "http://")) {
    return absl::InvalidArgumentError("must be an http:// or https:// URL");
  }
  const absl::string_view authority = rest.substr(0, rest.find_first_of("/?#"));
  if (absl::StrContains(authority, "@")) {
    return absl::InvalidArgumentError(
        "must not carry credentials (user@host): put them in a secret");
  }
  if (authority.empty()) return absl::InvalidArgumentError("has no host");
  if (authority.front() == '[') {
    const size_t close = authority.find(']');
    if (close == absl::string_view::npos) {
      return absl::InvalidArgumentError("has an unclosed [IPv6] host");
    }
    return std::string(authority.substr(1, close - 1));
  }
  return std::string(authority.substr(0, authority.find(':')));
}

// Reads one secret given as "<key>", "<key>_env" or "<key>_file".
absl::StatusOr<std::optional<WebhookSecret>> SecretField(const json& entry,
                                                         const std::string& key,
                                                         const EnvLookup& env) {
  std::optional<std::string> text;
  int sources = 0;
  if (entry.contains(key)) {
    ++sources;
    if (!entry[key].is_string()) {
      return absl::InvalidArgumentError(
          absl::StrCat(key, ": must be a string"));
    }
    text = entry[key].get<std::string>();
  }
  if (entry.contains(key + "_env")) {
    ++sources;
    const json& name = entry[key + "_env"];
    if (!name.is_string()) {
      return absl::InvalidArgumentError(
          absl::StrCat(key, "_env: must name an environment variable"));
    }
    text = env(name.get<std::string>());
    if (!text.has_value() || text->empty()) {
      return absl::InvalidArgumentError(
          absl::StrCat(key, "_env: $", name.get<std::string>(), " is not set"));
    }
  }
  if (entry.contains(key + "_file")) {
    ++sources;
    const json& path = entry[key + "_file"];
    if (!path.is_string()) {
      return absl::InvalidArgumentError(
          absl::StrCat(key, "_file: must be a path"));
    }
    absl::StatusOr<std::string> read = ReadFile(path.get<std::string>());
    if (!read.ok()) {
      return absl::InvalidArgumentError(
          absl::StrCat(key, "_file: ", read.status().message()));
    }
    text = std::string(absl::StripAsciiWhitespace(*read));
  }
  if (sources > 1) {
    return absl::InvalidArgumentError(absl::StrCat(
        "give one of ", key, ", ", key, "_env and ", key, "_file"));
  }
  if (!text.has_value()) return std::optional<WebhookSecret>();
  absl::StatusOr<WebhookSecret> secret = ParseWebhookSecret(*text);
  if (!secret.ok()) {
    return absl::InvalidArgumentError(
        absl::StrCat(key, ": ", secret.status().message()));
  }
  return std::optional<WebhookSecret>(*std::move(secret));
}

absl::StatusOr<absl::Duration> DurationField(const json& value,
                                             const std::string& what) {
  absl::Duration duration;
  if (!value.is_string() ||
      !absl::ParseDuration(value.get<std::string>(), &duration) ||
      duration < absl::ZeroDuration()) {
    return absl::InvalidArgumentError(
        absl::StrCat(what, ": must be a duration such as \"10s\" or \"5m\""));
  }
  return duration;
}

absl::StatusOr<WebhookEndpointConfig> ParseEndpoint(const json& entry,
                                                    bool allow_loopback,
                                                    const EnvLookup& env) {
  if (!entry.is_object()) {
    return absl::InvalidArgumentError("must be an object");
  }
  static const absl::flat_hash_set<std::string> kKnown = {
      "name",
      "url",
      "secret",
      "secret_env",
      "secret_file",
      "previous_secret",
      "previous_secret_env",
      "previous_secret_file",
      "previous_secret_until",
      "event_types",
      "flow_ids",
      "ordered",
      "max_concurrency",
      "timeout",
      "allow_private_network",
      "tenant"};
  for (const auto& [key, value] : entry.items()) {
    if (!kKnown.contains(key)) {
      return absl::InvalidArgumentError(absl::StrCat(key, ": unknown field"));
    }
  }
  WebhookEndpointConfig endpoint;
  if (!entry.contains("url") || !entry["url"].is_string()) {
    return absl::InvalidArgumentError("url: required");
  }
  endpoint.url = entry["url"].get<std::string>();
  absl::StatusOr<std::string> host = HostOf(endpoint.url);
  if (!host.ok()) {
    return absl::InvalidArgumentError(
        absl::StrCat("url: ", host.status().message()));
  }
  if (!allow_loopback && IsLoopbackHost(*host)) {
    return absl::InvalidArgumentError(
        "url: is a loopback address; set \"allow_loopback\": true to allow "
        "it");
  }
  if (entry.contains("tenant")) {
    if (!entry["tenant"].is_string() ||
        entry["tenant"].get<std::string>().empty()) {
      return absl::InvalidArgumentError(
          "tenant: give the name of a tenant of the policy file");
    }
    endpoint.tenant = entry["tenant"].get<std::string>();
  }
  if (entry.contains("allow_private_network")) {
    if (!entry["allow_private_network"].is_boolean()) {
      return absl::InvalidArgumentError(
          "allow_private_network: must be true or false");
    }
    endpoint.allow_private_network = entry["allow_private_network"].get<bool>();
  }
  if (!endpoint.allow_private_network && IsPrivateNetworkHost(*host)) {
    return absl::InvalidArgumentError(
        "url: is a private-network or link-local address; set "
        "\"allow_private_network\": true on this endpoint to allow it");
  }
  absl::StatusOr<std::optional<WebhookSecret>> secret =
      SecretField(entry, "secret", env);
  if (!secret.ok()) return secret.status();
  if (!secret->has_value()) {
    return absl::InvalidArgumentError(
        "secret: required (secret, secret_env or secret_file)");
  }
  endpoint.secret = **secret;
  absl::StatusOr<std::optional<WebhookSecret>> previous =
      SecretField(entry, "previous_secret", env);
  if (!previous.ok()) return previous.status();
  endpoint.previous_secret = *previous;
  if (entry.contains("previous_secret_until")) {
    std::string error;
    if (!entry["previous_secret_until"].is_string() ||
        !absl::ParseTime(absl::RFC3339_full,
                         entry["previous_secret_until"].get<std::string>(),
                         &endpoint.previous_secret_until, &error)) {
      return absl::InvalidArgumentError(
          "previous_secret_until: must be an RFC 3339 time such as "
          "\"2026-12-01T00:00:00Z\"");
    }
    if (!endpoint.previous_secret.has_value()) {
      return absl::InvalidArgumentError(
          "previous_secret_until: there is no previous_secret");
    }
  } else if (endpoint.previous_secret.has_value()) {
    return absl::InvalidArgumentError(
        "previous_secret: needs previous_secret_until (when the overlap "
        "ends)");
  }
  if (entry.contains("event_types")) {
    if (!entry["event_types"].is_array() || entry["event_types"].empty()) {
      return absl::InvalidArgumentError(
          "event_types: must be a non-empty list");
    }
    for (const json& type : entry["event_types"]) {
      std::string name = type.is_string() ? type.get<std::string>() : "";
      if (!absl::StartsWith(name, "EVENT_TYPE_")) {
        name = absl::StrCat("EVENT_TYPE_", name);
      }
      v1::EventType parsed;
      if (!v1::EventType_Parse(name, &parsed) ||
          parsed == v1::EVENT_TYPE_UNSPECIFIED ||
          parsed == v1::EVENT_TYPE_SNAPSHOT ||
          parsed == v1::EVENT_TYPE_SYNCED ||
          parsed == v1::EVENT_TYPE_HEARTBEAT) {
        return absl::InvalidArgumentError(absl::StrCat(
            "event_types: ", type.dump(),
            " is not one of STATE_CHANGED, STUCK, UPSTREAM_ANOMALY, "
            "THROTTLED"));
      }
      endpoint.event_types.insert(parsed);
    }
  }
  if (entry.contains("flow_ids")) {
    if (!entry["flow_ids"].is_array() || entry["flow_ids"].empty()) {
      return absl::InvalidArgumentError("flow_ids: must be a non-empty list");
    }
    for (const json& flow : entry["flow_ids"]) {
      if (!flow.is_string() || !ValidateFlowId(flow.get<std::string>()).ok()) {
        return absl::InvalidArgumentError(
            absl::StrCat("flow_ids: ", flow.dump(), " is not a flow id"));
      }
      endpoint.flow_ids.insert(flow.get<std::string>());
    }
  }
  if (entry.contains("ordered")) {
    if (!entry["ordered"].is_boolean()) {
      return absl::InvalidArgumentError("ordered: must be true or false");
    }
    endpoint.ordered = entry["ordered"].get<bool>();
  }
  if (entry.contains("max_concurrency")) {
    const json& value = entry["max_concurrency"];
    if (!value.is_number_integer() || value.get<int64_t>() < 1 ||
        value.get<int64_t>() > kMaxConcurrency) {
      return absl::InvalidArgumentError(
          absl::StrCat("max_concurrency: must be a whole number from 1 to ",
                       kMaxConcurrency));
    }
    endpoint.max_concurrency = value.get<int>();
  }
  if (entry.contains("timeout")) {
    absl::StatusOr<absl::Duration> timeout =
        DurationField(entry["timeout"], "timeout");
    if (!timeout.ok()) return timeout.status();
    if (*timeout <= absl::ZeroDuration() || *timeout > absl::Minutes(5)) {
      return absl::InvalidArgumentError(
          "timeout: must be above 0 and at most 5m");
    }
    endpoint.timeout = *timeout;
  }
  return endpoint;
}

}  // namespace

bool WebhookEndpointConfig::Wants(v1::EventType type,
                                  const std::string& flow_id,
                                  const std::string& compile_tenant) const {
  return compile_tenant == tenant &&
         (event_types.empty() || event_types.contains(type)) &&
         (flow_ids.empty() || flow_ids.contains(flow_id));
}

std::vector<WebhookSecret> WebhookEndpointConfig::SecretsAt(
    absl::Time now) const {
  std::vector<WebhookSecret> secrets = {secret};
  if (previous_secret.has_value() && now < previous_secret_until) {
    secrets.push_back(*previous_secret);
  }
  return secrets;
}

const WebhookEndpointConfig* WebhooksConfig::Find(
    const std::string& name) const {
  for (const WebhookEndpointConfig& endpoint : endpoints) {
    if (endpoint.name == name) return &endpoint;
  }
  return nullptr;
}

absl::StatusOr<WebhooksConfig> ParseWebhooksConfig(const std::string& text,
                                                   bool yaml,
                                                   const std::string& origin,
                                                   const EnvLookup& env) {
  absl::StatusOr<json> parsed = ParseText(text, yaml, origin);
  if (!parsed.ok()) return parsed.status();
  auto error = [&origin](const std::string& where, absl::string_view what) {
    return absl::InvalidArgumentError(
        absl::StrCat("webhooks config ", origin, ": ", where, what));
  };
  if (!parsed->is_object()) return error("", "must be an object");
  for (const auto& [key, value] : parsed->items()) {
    if (key != "endpoints" && key != "allow_loopback" &&
        key != "retry_schedule") {
      return error(key, ": unknown field");
    }
  }
  WebhooksConfig config;
  if (parsed->contains("allow_loopback")) {
    if (!(*parsed)["allow_loopback"].is_boolean()) {
      return error("allow_loopback", ": must be true or false");
    }
    config.allow_loopback = (*parsed)["allow_loopback"].get<bool>();
  }
  if (parsed->contains("retry_schedule")) {
    const json& schedule = (*parsed)["retry_schedule"];
    if (!schedule.is_array() || schedule.empty() || schedule.size() > 50) {
      return error("retry_schedule", ": must list 1 to 50 delays");
    }
    config.retry_schedule.clear();
    for (size_t i = 0; i < schedule.size(); ++i) {
      absl::StatusOr<absl::Duration> delay =
          DurationField(schedule[i], absl::StrCat("[", i, "]"));
      if (!delay.ok()) return error("retry_schedule", delay.status().message());
      config.retry_schedule.push_back(*delay);
    }
  }
  const json endpoints = parsed->value("endpoints", json::array());
  if (!endpoints.is_array() || endpoints.size() > kMaxEndpoints) {
    return error("endpoints",
                 absl::StrCat(": must be a list of at most ", kMaxEndpoints));
  }
  absl::flat_hash_set<std::string> names;
  for (size_t i = 0; i < endpoints.size(); ++i) {
    const json& entry = endpoints[i];
    std::string where = absl::StrCat("endpoints[", i, "]");
    const std::string name =
        entry.is_object() && entry.contains("name") && entry["name"].is_string()
            ? entry["name"].get<std::string>()
            : "";
    if (!name.empty()) absl::StrAppend(&where, " (\"", name, "\")");
    if (name.empty() || name.size() > 64 || !ValidateFlowId(name).ok()) {
      return error(where, ": name: required, [A-Za-z0-9._-]{1,64}");
    }
    if (!names.insert(name).second) {
      return error(where, ": name: used by an earlier endpoint");
    }
    absl::StatusOr<WebhookEndpointConfig> endpoint =
        ParseEndpoint(entry, config.allow_loopback, env);
    if (!endpoint.ok()) {
      return error(where, absl::StrCat(": ", endpoint.status().message()));
    }
    endpoint->name = name;
    config.endpoints.push_back(*std::move(endpoint));
  }
  return config;
}

absl::StatusOr<WebhooksConfig> LoadWebhooksConfig(const std::string& path,
                                                  const EnvLookup& env) {
  absl::StatusOr<std::string> text = ReadFile(path);
  if (!text.ok()) {
    return absl::InvalidArgumentError(
        absl::StrCat("webhooks config: ", text.status().message()));
  }
  const bool yaml =
      absl::EndsWith(path, ".yaml") || absl::EndsWith(path, ".yml");
  return ParseWebhooksConfig(*text, yaml, path, env);
}

}  // namespace cxone

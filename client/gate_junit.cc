#include "client/gate_junit.h"

#include <cstdint>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "client/event_printer.h"

namespace cxone::client {
namespace {

namespace v1 = ::cxone::compile::v1;

constexpr absl::string_view kReplacement = "\xEF\xBF\xBD";

// The length of the valid UTF-8 sequence at the start of `text`, or 0.
size_t Utf8SequenceLength(absl::string_view text) {
  const auto byte = [&](size_t i) { return static_cast<uint8_t>(text[i]); };
  const uint8_t lead = byte(0);
  size_t length = 0;
  uint32_t code_point = 0;
  if (lead < 0x80) return 1;
  if ((lead & 0xE0) == 0xC0) {
    length = 2;
    code_point = lead & 0x1F;
  } else if ((lead & 0xF0) == 0xE0) {
    length = 3;
    code_point = lead & 0x0F;
  } else if ((lead & 0xF8) == 0xF0) {
    length = 4;
    code_point = lead & 0x07;
  } else {
    return 0;
  }
  if (text.size() < length) return 0;
  for (size_t i = 1; i < length; ++i) {
    if ((byte(i) & 0xC0) != 0x80) return 0;
    code_point = (code_point << 6) | (byte(i) & 0x3F);
  }
  // Overlong forms, surrogates, beyond U+10FFFF, and the two non-characters
  // XML excludes.
  static constexpr uint32_t kMinimum[] = {0, 0, 0x80, 0x800, 0x10000};
  if (code_point < kMinimum[length] || code_point > 0x10FFFF ||
      (code_point >= 0xD800 && code_point <= 0xDFFF) || code_point == 0xFFFE ||
      code_point == 0xFFFF) {
    return 0;
  }
  return length;
}

std::string Seconds(absl::Duration duration) {
  return absl::StrFormat("%.3f", absl::ToDoubleSeconds(duration));
}

}  // namespace

std::string XmlEscape(absl::string_view text) {
  std::string out;
  out.reserve(text.size());
  while (!text.empty()) {
    const char c = text.front();
    const size_t length = Utf8SequenceLength(text);
    if (length == 0) {
      absl::StrAppend(&out, kReplacement);
      text.remove_prefix(1);
      continue;
    }
    if (length == 1) {
      switch (c) {
        case '&': out += "&amp;"; break;
        case '<': out += "&lt;"; break;
        case '>': out += "&gt;"; break;
        case '"': out += "&quot;"; break;
        case '\'': out += "&apos;"; break;
        case '\t':
        case '\n':
        case '\r': out += c; break;
        default:
          if (static_cast<uint8_t>(c) < 0x20 || c == 0x7F) {
            absl::StrAppend(&out, kReplacement);
          } else {
            out += c;
          }
      }
    } else {
      absl::StrAppend(&out, text.substr(0, length));
    }
    text.remove_prefix(length);
  }
  return out;
}

std::string FormatJunit(const GateResults& results, const GateRunInfo& run) {
  const GateTotals totals = results.Totals();
  const int errors = totals.timed_out + totals.unknown + totals.running;
  const std::string counts =
      absl::StrCat("tests=\"", totals.flows, "\" failures=\"", totals.failed,
                   "\" errors=\"", errors, "\"");
  const std::string wall = Seconds(run.ended - run.started);
  std::string out = absl::StrCat(
      "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n",
      "<testsuites name=\"cxone-compile gate\" ", counts, " time=\"", wall,
      "\">\n", "  <testsuite name=\"",
      XmlEscape(absl::StrCat("cxone-compile gate ", results.run_id())), "\" ",
      counts, " skipped=\"0\" time=\"", wall, "\" timestamp=\"",
      absl::FormatTime("%Y-%m-%dT%H:%M:%S", run.started, absl::UTCTimeZone()),
      "\">\n");
  for (const GateFlowResult& flow : results.flows()) {
    absl::StrAppend(&out, "    <testcase classname=\"cxone-compile.gate\" name=\"",
                    XmlEscape(flow.flow.flow_id), "\"");
    if (!flow.flow.file.empty()) {
      absl::StrAppend(&out, " file=\"", XmlEscape(flow.flow.file), "\"");
    }
    absl::StrAppend(&out, " time=\"", Seconds(flow.Elapsed(run.ended)), "\">\n");
    if (flow.state == v1::STATE_FAILED) {
      std::string text;
      for (const v1::CompileError& error : flow.errors) {
        absl::StrAppend(&text, LocatedDiagnostic(flow, error, Severity::kError),
                        "\n");
      }
      absl::StrAppend(
          &out, "      <failure type=\"FAILED\" message=\"",
          XmlEscape(FormatSummary(flow.name, flow.state,
                                  static_cast<int>(flow.errors.size()),
                                  static_cast<int>(flow.warnings.size()))),
          "\">", XmlEscape(text), "</failure>\n");
    } else if (flow.terminal() && flow.state != v1::STATE_COMPLETED) {
      absl::StrAppend(&out,
                      "      <error type=\"TIMED_OUT\" message=\"the gateway "
                      "gave up on the compile; CXone may still finish it\"/>\n");
    } else if (!flow.terminal()) {
      absl::StrAppend(
          &out, "      <error type=\"UNKNOWN\" message=\"",
          XmlEscape(flow.problem.empty() ? "the compile did not finish"
                                         : flow.problem),
          "\"/>\n");
    }
    if (!flow.warnings.empty()) {
      std::string text;
      for (const v1::CompileError& warning : flow.warnings) {
        absl::StrAppend(
            &text, LocatedDiagnostic(flow, warning, Severity::kWarning), "\n");
      }
      absl::StrAppend(&out, "      <system-out>", XmlEscape(text),
                      "</system-out>\n");
    }
    absl::StrAppend(&out, "    </testcase>\n");
  }
  absl::StrAppend(&out, "  </testsuite>\n</testsuites>\n");
  return out;
}

}  // namespace cxone::client

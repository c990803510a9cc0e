#include "simulator/oauth_request.h"

#include "absl/status/status.h"
#include "absl/strings/ascii.h"
#include "absl/strings/escaping.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"

namespace cxone::sim {
namespace {

constexpr char kFormContentType[] = "application/x-www-form-urlencoded";

int HexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

absl::StatusOr<std::string> FormDecode(absl::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    if (c == '+') {
      out.push_back(' ');
    } else if (c == '%') {
      const int high = i + 1 < text.size() ? HexValue(text[i + 1]) : -1;
      const int low = i + 2 < text.size() ? HexValue(text[i + 2]) : -1;
      if (high < 0 || low < 0) {
        return absl::InvalidArgumentError(
            "form body has a '%' not followed by two hex digits");
      }
      out.push_back(static_cast<char>(high * 16 + low));
      i += 2;
    } else {
      out.push_back(c);
    }
  }
  return out;
}

// The value of the single parameter `name`: nullopt if absent,
// InvalidArgument if repeated (RFC 6749 §3.2: parameters must not be).
absl::StatusOr<std::optional<std::string>> SingleParam(
    const std::vector<std::pair<std::string, std::string>>& params,
    absl::string_view name) {
  std::optional<std::string> value;
  for (const auto& [key, param_value] : params) {
    if (key != name) continue;
    if (value.has_value()) {
      return absl::InvalidArgumentError(
          absl::StrCat("parameter ", name, " is repeated"));
    }
    value = param_value;
  }
  return value;
}

// Splits "Scheme credentials" and checks the scheme case-insensitively.
std::optional<absl::string_view> AuthorizationCredentials(
    absl::string_view authorization, absl::string_view scheme) {
  authorization = absl::StripAsciiWhitespace(authorization);
  if (authorization.size() <= scheme.size() ||
      !absl::EqualsIgnoreCase(authorization.substr(0, scheme.size()), scheme) ||
      authorization[scheme.size()] != ' ') {
    return std::nullopt;
  }
  return absl::StripAsciiWhitespace(authorization.substr(scheme.size() + 1));
}

}  // namespace

absl::StatusOr<std::vector<std::pair<std::string, std::string>>> ParseFormBody(
    absl::string_view body) {
  std::vector<std::pair<std::string, std::string>> params;
  for (absl::string_view pair : absl::StrSplit(body, '&', absl::SkipEmpty())) {
    std::pair<absl::string_view, absl::string_view> parts =
        absl::StrSplit(pair, absl::MaxSplits('=', 1));
    absl::StatusOr<std::string> name = FormDecode(parts.first);
    if (!name.ok()) return name.status();
    absl::StatusOr<std::string> value = FormDecode(parts.second);
    if (!value.ok()) return value.status();
    params.emplace_back(*std::move(name), *std::move(value));
  }
  return params;
}

absl::StatusOr<TokenRequest> ParseTokenRequest(
    absl::string_view content_type, absl::string_view body,
    absl::string_view authorization) {
  // Parameters such as "; charset=UTF-8" are allowed; the media type is not
  // negotiable.
  const absl::string_view media_type = absl::StripAsciiWhitespace(
      content_type.substr(0, content_type.find(';')));
  if (!absl::EqualsIgnoreCase(media_type, kFormContentType)) {
    return absl::InvalidArgumentError(
        absl::StrCat("Content-Type must be ", kFormContentType, ", got \"",
                     content_type.substr(0, 80), "\""));
  }
  const absl::string_view trimmed = absl::StripLeadingAsciiWhitespace(body);
  if (absl::StartsWith(trimmed, "{") || absl::StartsWith(trimmed, "[")) {
    // The mistake the upstream write-up warns about: JSON sent under the
    // form content type.
    return absl::InvalidArgumentError(absl::StrCat(
        "the body is JSON, but Content-Type says ", kFormContentType,
        "; send "
        "grant_type=client_credentials&client_id=...&client_secret=..."));
  }
  absl::StatusOr<std::vector<std::pair<std::string, std::string>>> params =
      ParseFormBody(body);
  if (!params.ok()) return params.status();

  absl::StatusOr<std::optional<std::string>> grant_type =
      SingleParam(*params, "grant_type");
  if (!grant_type.ok()) return grant_type.status();
  if (!grant_type->has_value()) {
    return absl::InvalidArgumentError("grant_type is required");
  }
  if (**grant_type != "client_credentials") {
    return absl::UnimplementedError(
        absl::StrCat("grant_type \"", grant_type->value().substr(0, 40),
                     "\" is not supported; use client_credentials"));
  }

  TokenRequest request;
  absl::StatusOr<std::optional<std::string>> scope =
      SingleParam(*params, "scope");
  if (!scope.ok()) return scope.status();
  request.scope = *std::move(scope);

  absl::StatusOr<std::optional<std::string>> form_id =
      SingleParam(*params, "client_id");
  if (!form_id.ok()) return form_id.status();
  absl::StatusOr<std::optional<std::string>> form_secret =
      SingleParam(*params, "client_secret");
  if (!form_secret.ok()) return form_secret.status();
  const bool has_form_credentials =
      form_id->has_value() || form_secret->has_value();

  if (!authorization.empty()) {
    std::optional<absl::string_view> encoded =
        AuthorizationCredentials(authorization, "Basic");
    if (!encoded.has_value()) {
      return absl::UnauthenticatedError(
          "Authorization header must use the Basic scheme");
    }
    if (has_form_credentials) {
      // RFC 6749 §2.3: a client must not use more than one method.
      return absl::InvalidArgumentError(
          "client credentials sent both with HTTP Basic and in the body");
    }
    std::string decoded;
    if (!absl::Base64Unescape(*encoded, &decoded)) {
      return absl::UnauthenticatedError(
          "Basic credentials are not valid Base64");
    }
    const size_t colon = decoded.find(':');
    if (colon == std::string::npos) {
      return absl::UnauthenticatedError(
          "Basic credentials must be client_id:client_secret");
    }
    request.raw_client_id = decoded.substr(0, colon);
    request.raw_client_secret = decoded.substr(colon + 1);
    absl::StatusOr<std::string> id = FormDecode(request.raw_client_id);
    absl::StatusOr<std::string> secret = FormDecode(request.raw_client_secret);
    // An undecodable value was surely sent raw.
    request.client_id = id.ok() ? *id : request.raw_client_id;
    request.client_secret = secret.ok() ? *secret : request.raw_client_secret;
    return request;
  }
  if (!form_id->has_value()) {
    return absl::UnauthenticatedError(
        "client authentication is missing: send client_id and client_secret "
        "or an Authorization: Basic header");
  }
  request.client_id = request.raw_client_id = **form_id;
  request.client_secret = request.raw_client_secret = form_secret->value_or("");
  return request;
}

absl::StatusOr<std::string> ParseBearerToken(absl::string_view authorization) {
  if (authorization.empty()) {
    return absl::UnauthenticatedError(
        "missing Authorization: Bearer <access token>");
  }
  std::optional<absl::string_view> token =
      AuthorizationCredentials(authorization, "Bearer");
  if (!token.has_value() || token->empty()) {
    return absl::UnauthenticatedError(
        "Authorization header must be Bearer <access token>");
  }
  return std::string(*token);
}

}  // namespace cxone::sim

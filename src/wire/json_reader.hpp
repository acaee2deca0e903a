// Strict JSON reading for the signaling formats, plus helpers that apply
// serde's rules for the types the protocol uses (wire spec §8.2).
//
// The tree keeps object members in input order including duplicate keys
// (serde rejects a duplicated field, nlohmann's DOM would silently keep one).
// Parsing rejects invalid UTF-8, a byte-order mark, trailing non-whitespace and
// nesting deeper than kMaxDepth (serde_json's recursion limit); it never throws.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "core/bytes.hpp"
#include "core/result.hpp"

namespace wzp::wire::json {

struct Value;
struct Member;
using Array = std::vector<Value>;
using Object = std::vector<Member>;  // input order, duplicates kept

struct Value {
  // negative integers are int64_t, non-negative ones uint64_t; numbers with a
  // fraction or exponent, or beyond 64 bits, are double.
  std::variant<std::nullptr_t, bool, int64_t, uint64_t, double, std::string, Array, Object> data;
};

struct Member {
  std::string key;
  Value value;
};

/// Deepest nesting of arrays/objects accepted (serde_json accepts 127 levels).
inline constexpr size_t kMaxDepth = 127;

/// Parse one JSON text (surrounding whitespace allowed).
/// Errors: Errc::json with the parser's reason.
Result<Value> parse(std::string_view text);

/// Short type name for messages ("string", "object", "negative integer", ...).
std::string_view type_name(const Value& value) noexcept;

// ---- serde-style typed access. `where` names the field for error messages;
// every error is Errc::json. ----

struct FieldSpec {
  std::string_view name;
  bool optional = false;  // Option<T>: may be missing (map form only)
};

/// Locate a struct's fields: `value` is an object (unknown keys ignored, a
/// duplicate known key is an error, a missing non-optional field is an error)
/// or an array holding exactly the fields in declaration order. `out[i]`
/// receives the value of `fields[i]`, or nullptr for a missing optional field.
Status struct_fields(const Value& value, std::string_view struct_name, std::span<const FieldSpec> fields,
                     std::span<const Value*> out);

Result<uint8_t> to_u8(const Value& value, std::string_view where);
Result<uint64_t> to_u64(const Value& value, std::string_view where);
/// Any JSON number, rounded to binary32 (decimal -> binary64 -> binary32 like
/// serde). A value outside the binary32 range is rejected.
Result<float> to_f32(const Value& value, std::string_view where);
Result<std::string> to_string(const Value& value, std::string_view where);
/// nullptr (missing) or null -> nullopt; a string -> its value.
Result<std::optional<std::string>> to_optional_string(const Value* value, std::string_view where);
Result<std::vector<std::string>> to_string_list(const Value& value, std::string_view where);
/// An array of integers 0..255 of any length.
Result<Bytes> to_bytes(const Value& value, std::string_view where);
/// An array of exactly out.size() integers 0..255.
Status to_byte_array(const Value& value, std::string_view where, std::span<uint8_t> out);
/// The name of a field-less enum value: "Name" or {"Name":null}.
Result<std::string_view> unit_enum_name(const Value& value, std::string_view where);

}  // namespace wzp::wire::json

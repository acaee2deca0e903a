#include "wire/json_reader.hpp"

#include <cmath>
#include <limits>
#include <nlohmann/json.hpp>

namespace wzp::wire::json {
namespace {

Error json_error(std::string message) { return make_error(Errc::json, std::move(message)); }

// SAX handler building a Value tree. Containers under construction live on a
// stack and are moved into their parent when closed.
class TreeBuilder {
 public:
  using json = nlohmann::json;

  bool null() { return add(Value{nullptr}); }
  bool boolean(bool v) { return add(Value{v}); }
  // nlohmann reports only literals with a minus sign as signed integers, so a
  // 0 here was written "-0", which serde reads as the float -0.0.
  bool number_integer(json::number_integer_t v) {
    if (v == 0) return add(Value{-0.0});
    return add(Value{static_cast<int64_t>(v)});
  }
  bool number_unsigned(json::number_unsigned_t v) { return add(Value{static_cast<uint64_t>(v)}); }
  bool number_float(json::number_float_t v, const json::string_t&) {
    return add(Value{static_cast<double>(v)});
  }
  bool string(json::string_t& v) { return add(Value{std::move(v)}); }
  bool binary(json::binary_t&) {
    error_ = "binary values are not JSON";
    return false;
  }
  bool start_object(std::size_t) { return open(Value{Object{}}); }
  bool key(json::string_t& k) {
    stack_.back().pending_key = std::move(k);
    return true;
  }
  bool end_object() { return close(); }
  bool start_array(std::size_t) { return open(Value{Array{}}); }
  bool end_array() { return close(); }
  bool parse_error(std::size_t, const std::string&, const nlohmann::detail::exception& ex) {
    std::string_view what = ex.what();
    // Drop nlohmann's "[json.exception.parse_error.101] " tag.
    if (const auto pos = what.find("] "); pos != std::string_view::npos) what.remove_prefix(pos + 2);
    error_ = std::string(what);
    return false;
  }

  Value& root() { return root_; }
  const std::string& error() const { return error_; }

 private:
  struct Open {
    Value container;
    std::string pending_key;
  };

  bool add(Value v) {
    if (stack_.empty()) {
      root_ = std::move(v);
      return true;
    }
    Open& top = stack_.back();
    if (auto* array = std::get_if<Array>(&top.container.data)) {
      array->push_back(std::move(v));
    } else {
      std::get<Object>(top.container.data).push_back(Member{std::move(top.pending_key), std::move(v)});
    }
    return true;
  }
  bool open(Value container) {
    if (stack_.size() >= kMaxDepth) {
      error_ = "recursion limit exceeded (more than " + std::to_string(kMaxDepth) + " nested levels)";
      return false;
    }
    stack_.push_back(Open{std::move(container), {}});
    return true;
  }
  bool close() {
    Value done = std::move(stack_.back().container);
    stack_.pop_back();
    return add(std::move(done));
  }

  std::vector<Open> stack_;
  Value root_;
  std::string error_;
};

}  // namespace

Result<Value> parse(std::string_view text) {
  if (text.size() >= 3 && static_cast<unsigned char>(text[0]) == 0xEF &&
      static_cast<unsigned char>(text[1]) == 0xBB && static_cast<unsigned char>(text[2]) == 0xBF) {
    return json_error("invalid JSON: byte-order mark at the start");
  }
  // A NUL byte is never valid JSON, but nlohmann's lexer takes it for the end
  // of input and would accept "value\0garbage".
  if (const auto nul = text.find('\0'); nul != std::string_view::npos) {
    return json_error("invalid JSON: NUL byte at offset " + std::to_string(nul));
  }
  TreeBuilder builder;
  bool ok = false;
  try {
    ok = nlohmann::json::sax_parse(text.begin(), text.end(), &builder, nlohmann::json::input_format_t::json,
                                   /*strict=*/true, /*ignore_comments=*/false);
  } catch (const std::bad_alloc&) {
    return make_error(Errc::no_memory, "out of memory while parsing JSON");
  } catch (const std::exception& e) {
    return json_error(std::string("invalid JSON: ") + e.what());
  }
  if (!ok) return json_error("invalid JSON: " + (builder.error().empty() ? "parse failed" : builder.error()));
  return std::move(builder.root());
}

std::string_view type_name(const Value& value) noexcept {
  switch (value.data.index()) {
    case 0: return "null";
    case 1: return "boolean";
    case 2: return "negative integer";
    case 3: return "unsigned integer";
    case 4: return "floating point number";
    case 5: return "string";
    case 6: return "array";
    default: return "object";
  }
}

namespace {

Error type_error(const Value& value, std::string_view where, std::string_view expected) {
  return json_error(std::string(where) + ": invalid type: " + std::string(type_name(value)) + ", expected " +
                    std::string(expected));
}

}  // namespace

Status struct_fields(const Value& value, std::string_view struct_name, std::span<const FieldSpec> fields,
                     std::span<const Value*> out) {
  if (const auto* array = std::get_if<Array>(&value.data)) {
    // serde also accepts a struct as a sequence of its fields in declaration order.
    if (array->size() != fields.size()) {
      return json_error(std::string(struct_name) + ": invalid length " + std::to_string(array->size()) +
                        ", expected struct with " + std::to_string(fields.size()) + " elements");
    }
    for (size_t i = 0; i < fields.size(); ++i) out[i] = &(*array)[i];
    return {};
  }
  const auto* object = std::get_if<Object>(&value.data);
  if (!object) return type_error(value, struct_name, "a struct (object or array)");
  for (size_t i = 0; i < fields.size(); ++i) {
    out[i] = nullptr;
    for (const auto& member : *object) {
      if (member.key != fields[i].name) continue;
      if (out[i]) {
        return json_error(std::string(struct_name) + ": duplicate field `" + std::string(fields[i].name) +
                          "`");
      }
      out[i] = &member.value;
    }
    if (!out[i] && !fields[i].optional) {
      return json_error(std::string(struct_name) + ": missing field `" + std::string(fields[i].name) + "`");
    }
  }
  return {};
}

Result<uint64_t> to_u64(const Value& value, std::string_view where) {
  if (const auto* u = std::get_if<uint64_t>(&value.data)) return *u;
  return type_error(value, where, "u64");
}

Result<uint8_t> to_u8(const Value& value, std::string_view where) {
  const auto* u = std::get_if<uint64_t>(&value.data);
  if (!u) return type_error(value, where, "u8");
  if (*u > 255)
    return json_error(std::string(where) + ": invalid value " + std::to_string(*u) + ", expected u8");
  return static_cast<uint8_t>(*u);
}

Result<float> to_f32(const Value& value, std::string_view where) {
  float result = 0.0f;
  if (const auto* u = std::get_if<uint64_t>(&value.data)) {
    result = static_cast<float>(*u);
  } else if (const auto* i = std::get_if<int64_t>(&value.data)) {
    result = static_cast<float>(*i);
  } else if (const auto* d = std::get_if<double>(&value.data)) {
    // Values from halfway between FLT_MAX and 2^128 upwards round to infinity,
    // which the encoder cannot represent: reject them before converting.
    static const double kRoundsToInfinity = std::ldexp(2.0 - std::ldexp(1.0, -24), 127);
    if (!(std::fabs(*d) < kRoundsToInfinity)) {
      return json_error(std::string(where) + ": number out of binary32 range");
    }
    result = static_cast<float>(*d);
  } else {
    return type_error(value, where, "f32");
  }
  if (!std::isfinite(result)) return json_error(std::string(where) + ": number out of binary32 range");
  return result;
}

Result<std::string> to_string(const Value& value, std::string_view where) {
  if (const auto* s = std::get_if<std::string>(&value.data)) return *s;
  return type_error(value, where, "a string");
}

Result<std::optional<std::string>> to_optional_string(const Value* value, std::string_view where) {
  if (!value || std::holds_alternative<std::nullptr_t>(value->data)) return std::optional<std::string>{};
  auto s = to_string(*value, where);
  if (!s) return std::move(s).error();
  return std::optional<std::string>{std::move(*s)};
}

Result<std::vector<std::string>> to_string_list(const Value& value, std::string_view where) {
  const auto* array = std::get_if<Array>(&value.data);
  if (!array) return type_error(value, where, "a sequence of strings");
  std::vector<std::string> out;
  out.reserve(array->size());
  for (const auto& item : *array) {
    auto s = to_string(item, where);
    if (!s) return std::move(s).error();
    out.push_back(std::move(*s));
  }
  return out;
}

namespace {

Status fill_bytes(const Array& array, std::string_view where, uint8_t* out) {
  for (size_t i = 0; i < array.size(); ++i) {
    auto byte = to_u8(array[i], where);
    if (!byte) return std::move(byte).error();
    out[i] = *byte;
  }
  return {};
}

}  // namespace

Result<Bytes> to_bytes(const Value& value, std::string_view where) {
  const auto* array = std::get_if<Array>(&value.data);
  if (!array) return type_error(value, where, "a sequence of bytes");
  Bytes out(array->size());
  WZP_TRY(fill_bytes(*array, where, out.data()));
  return out;
}

Status to_byte_array(const Value& value, std::string_view where, std::span<uint8_t> out) {
  const auto* array = std::get_if<Array>(&value.data);
  if (!array) return type_error(value, where, "an array of " + std::to_string(out.size()) + " bytes");
  if (array->size() != out.size()) {
    return json_error(std::string(where) + ": invalid length " + std::to_string(array->size()) +
                      ", expected an array of length " + std::to_string(out.size()));
  }
  return fill_bytes(*array, where, out.data());
}

Result<std::string_view> unit_enum_name(const Value& value, std::string_view where) {
  if (const auto* s = std::get_if<std::string>(&value.data)) return std::string_view(*s);
  if (const auto* object = std::get_if<Object>(&value.data); object && object->size() == 1) {
    const Member& only = object->front();
    if (!std::holds_alternative<std::nullptr_t>(only.value.data)) {
      return type_error(only.value, std::string(where) + "." + only.key, "unit variant (null)");
    }
    return std::string_view(only.key);
  }
  return type_error(value, where, "an enum name (string or single-key object)");
}

}  // namespace wzp::wire::json

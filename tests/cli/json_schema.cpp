// SPDX-License-Identifier: MIT
#include "json_schema.hpp"

#include <fstream>
#include <regex>
#include <set>
#include <sstream>
#include <stdexcept>

namespace tern_test {

using nlohmann::json;

namespace {

const std::set<std::string> kKeywords = {
    "$schema", "$id",     "title",   "description", "$defs",    "$ref",
    "type",    "const",   "enum",    "properties",  "required", "additionalProperties",
    "items",   "minimum", "maximum", "minLength",   "pattern",  "anyOf"};

bool has_type(const json& doc, const std::string& t) {
    if (t == "null")
        return doc.is_null();
    if (t == "boolean")
        return doc.is_boolean();
    if (t == "integer")
        return doc.is_number_integer();
    if (t == "number")
        return doc.is_number();
    if (t == "string")
        return doc.is_string();
    if (t == "array")
        return doc.is_array();
    if (t == "object")
        return doc.is_object();
    throw std::invalid_argument("unknown type \"" + t + "\"");
}

std::string short_dump(const json& j) {
    std::string s = j.dump();
    return s.size() > 80 ? s.substr(0, 77) + "..." : s;
}

}  // namespace

JsonSchema::JsonSchema(json schema) : root_(std::move(schema)) {
    check_schema(root_, "#");
}

JsonSchema JsonSchema::from_file(const std::string& path) {
    std::ifstream in(path);
    if (!in)
        throw std::invalid_argument("cannot open " + path);
    return JsonSchema(json::parse(in));
}

void JsonSchema::check_schema(const json& s, const std::string& where) const {
    if (s.is_boolean())
        return;
    if (!s.is_object())
        throw std::invalid_argument(where + ": a schema must be an object");
    for (const auto& [key, value] : s.items()) {
        if (kKeywords.count(key) == 0)
            throw std::invalid_argument(where + ": unsupported keyword \"" + key + "\"");
        if (key == "$ref")
            resolve(value.get<std::string>());
        else if (key == "properties" || key == "$defs")
            for (const auto& [name, sub] : value.items())
                check_schema(sub, where + "/" + key + "/" + name);
        else if (key == "items")
            check_schema(value, where + "/items");
        else if (key == "anyOf")
            for (size_t i = 0; i < value.size(); ++i)
                check_schema(value[i], where + "/anyOf/" + std::to_string(i));
        else if (key == "additionalProperties" && !value.is_boolean())
            throw std::invalid_argument(where + ": additionalProperties must be a boolean here");
        else if (key == "type" && value.is_array())
            for (const json& t : value)
                has_type(json(), t.get<std::string>());
        else if (key == "type")
            has_type(json(), value.get<std::string>());
        else if (key == "pattern")
            (void)regex(value.get<std::string>());
    }
}

const json& JsonSchema::resolve(const std::string& ref) const {
    if (ref == "#")
        return root_;
    if (ref.rfind("#/", 0) != 0)
        throw std::invalid_argument("only local $ref are supported: " + ref);
    const json* cur = &root_;
    std::stringstream parts(ref.substr(2));
    std::string part;
    while (std::getline(parts, part, '/')) {
        if (!cur->is_object() || !cur->contains(part))
            throw std::invalid_argument("$ref does not resolve: " + ref);
        cur = &(*cur)[part];
    }
    return *cur;
}

const std::regex& JsonSchema::regex(const std::string& pattern) const {
    auto it = regexes_.find(pattern);
    if (it == regexes_.end())
        it = regexes_.emplace(pattern, std::regex(pattern, std::regex::ECMAScript)).first;
    return it->second;
}

std::vector<std::string> JsonSchema::validate(const json& doc, const std::string& pointer) const {
    std::vector<std::string> errors;
    validate_at(resolve(pointer), doc, "$", &errors);
    return errors;
}

void JsonSchema::validate_at(const json& s, const json& doc, const std::string& path,
                             std::vector<std::string>* errors) const {
    if (s.is_boolean()) {
        if (!s.get<bool>())
            errors->push_back(path + ": not allowed");
        return;
    }
    auto err = [&](const std::string& what) { errors->push_back(path + ": " + what); };
    if (s.contains("$ref"))
        validate_at(resolve(s["$ref"].get<std::string>()), doc, path, errors);
    if (s.contains("type")) {
        const json& t = s["type"];
        bool ok = false;
        if (t.is_array()) {
            for (const json& one : t)
                ok = ok || has_type(doc, one.get<std::string>());
        } else {
            ok = has_type(doc, t.get<std::string>());
        }
        if (!ok) {
            err("type " + t.dump() + " expected, got " + short_dump(doc));
            return;  // the other keywords would only repeat the problem
        }
    }
    if (s.contains("const") && doc != s["const"])
        err("must be " + s["const"].dump() + ", got " + short_dump(doc));
    if (s.contains("enum")) {
        bool found = false;
        for (const json& v : s["enum"])
            found = found || doc == v;
        if (!found)
            err("must be one of " + s["enum"].dump() + ", got " + short_dump(doc));
    }
    if (doc.is_number()) {
        if (s.contains("minimum") && doc.get<double>() < s["minimum"].get<double>())
            err("below minimum " + s["minimum"].dump() + ": " + doc.dump());
        if (s.contains("maximum") && doc.get<double>() > s["maximum"].get<double>())
            err("above maximum " + s["maximum"].dump() + ": " + doc.dump());
    }
    if (doc.is_string()) {
        const std::string& str = doc.get_ref<const std::string&>();
        if (s.contains("minLength") && str.size() < s["minLength"].get<size_t>())
            err("shorter than " + s["minLength"].dump());
        if (s.contains("pattern") &&
            !std::regex_search(str, regex(s["pattern"].get<std::string>())))
            err("does not match " + s["pattern"].dump() + ": " + short_dump(doc));
    }
    if (doc.is_object()) {
        const json props = s.value("properties", json::object());
        if (s.contains("required"))
            for (const json& r : s["required"])
                if (!doc.contains(r.get<std::string>()))
                    err("missing required property \"" + r.get<std::string>() + "\"");
        for (const auto& [key, value] : doc.items()) {
            if (props.contains(key))
                validate_at(props[key], value, path + "." + key, errors);
            else if (s.contains("additionalProperties") && !s["additionalProperties"].get<bool>())
                err("unexpected property \"" + key + "\"");
        }
    }
    if (doc.is_array() && s.contains("items"))
        for (size_t i = 0; i < doc.size(); ++i)
            validate_at(s["items"], doc[i], path + "[" + std::to_string(i) + "]", errors);
    if (s.contains("anyOf")) {
        std::vector<std::string> first;
        bool any = false;
        for (size_t i = 0; i < s["anyOf"].size() && !any; ++i) {
            std::vector<std::string> sub;
            validate_at(s["anyOf"][i], doc, path, &sub);
            any = sub.empty();
            if (i == 0)
                first = std::move(sub);
        }
        if (!any) {
            err("matches none of the " + std::to_string(s["anyOf"].size()) + " anyOf schemas");
            if (s["anyOf"].size() == 1)
                errors->insert(errors->end(), first.begin(), first.end());
        }
    }
}

}  // namespace tern_test

// SPDX-License-Identifier: MIT
#include "npy.hpp"

#include <algorithm>
#include <cctype>
#include <cstring>
#include <fstream>
#include <iterator>

namespace tern::npy {

namespace {

constexpr char kMagic[6] = {'\x93', 'N', 'U', 'M', 'P', 'Y'};

[[noreturn]] void bad(const std::string& where, const std::string& what) {
    throw Error(where + ": " + what);
}

// The header dict: {'descr': '<f4', 'fortran_order': False, 'shape': (3, 4), }
class DictParser {
public:
    DictParser(std::string_view s, const std::string& where) : s_(s), where_(where) {}

    void parse(std::string* descr, bool* fortran, std::vector<uint64_t>* shape) {
        bool have_descr = false, have_fortran = false, have_shape = false;
        expect('{');
        for (;;) {
            ws();
            if (peek() == '}') {
                ++i_;
                break;
            }
            std::string key = string_literal();
            ws();
            expect(':');
            ws();
            if (key == "descr" && !have_descr) {
                *descr = string_literal();
                have_descr = true;
            } else if (key == "fortran_order" && !have_fortran) {
                *fortran = boolean();
                have_fortran = true;
            } else if (key == "shape" && !have_shape) {
                *shape = tuple();
                have_shape = true;
            } else {
                fail("unexpected or repeated key '" + key + "' in the header");
            }
            ws();
            if (peek() == ',') {
                ++i_;
                continue;
            }
            ws();
            expect('}');
            break;
        }
        // Only padding may follow: spaces and the final newline.
        for (; i_ < s_.size(); ++i_)
            if (s_[i_] != ' ' && s_[i_] != '\n' && s_[i_] != '\0')
                fail("unexpected text after the header dict");
        if (!have_descr || !have_fortran || !have_shape)
            fail("the header must have the keys 'descr', 'fortran_order' and 'shape'");
    }

private:
    [[noreturn]] void fail(const std::string& what) {
        bad(where_, what + " (header byte " + std::to_string(i_) + ")");
    }
    char peek() const { return i_ < s_.size() ? s_[i_] : '\0'; }
    void ws() {
        while (i_ < s_.size() && (s_[i_] == ' ' || s_[i_] == '\t'))
            ++i_;
    }
    void expect(char c) {
        if (peek() != c)
            fail(std::string("expected '") + c + "'");
        ++i_;
    }
    std::string string_literal() {
        const char q = peek();
        if (q != '\'' && q != '"')
            fail("expected a string");
        ++i_;
        std::string out;
        while (i_ < s_.size() && s_[i_] != q) {
            if (s_[i_] == '\\' || !std::isprint(static_cast<unsigned char>(s_[i_])))
                fail("unsupported character in a string");
            out += s_[i_++];
            if (out.size() > 64)
                fail("string too long");
        }
        expect(q);
        return out;
    }
    bool boolean() {
        if (s_.substr(i_, 4) == "True") {
            i_ += 4;
            return true;
        }
        if (s_.substr(i_, 5) == "False") {
            i_ += 5;
            return false;
        }
        fail("expected True or False");
    }
    std::vector<uint64_t> tuple() {
        std::vector<uint64_t> dims;
        expect('(');
        for (;;) {
            ws();
            if (peek() == ')') {
                ++i_;
                return dims;
            }
            if (!std::isdigit(static_cast<unsigned char>(peek())))
                fail("expected a dimension");
            uint64_t v = 0;
            while (std::isdigit(static_cast<unsigned char>(peek()))) {
                if (__builtin_mul_overflow(v, uint64_t(10), &v) ||
                    __builtin_add_overflow(v, uint64_t(peek() - '0'), &v))
                    fail("dimension too large");
                ++i_;
            }
            // Python writes "3L" for longs in old files.
            if (peek() == 'L')
                ++i_;
            dims.push_back(v);
            if (dims.size() > kMaxRank)
                fail("more than " + std::to_string(kMaxRank) + " dimensions");
            ws();
            if (peek() == ',') {
                ++i_;
                continue;
            }
            expect(')');
            // A one-element tuple needs its comma: "(5)" is not a tuple.
            if (dims.size() == 1 && s_[i_ - 2] != ',')
                fail("a one-dimensional shape is written (n,)");
            return dims;
        }
    }

    std::string_view s_;
    const std::string& where_;
    size_t i_ = 0;
};

}  // namespace

uint32_t descr_size(const std::string& d) {
    if (d == "<f4" || d == "<i4")
        return 4;
    if (d == "<f2" || d == "<u2")
        return 2;
    return 0;
}

std::string shape_str(const std::vector<uint64_t>& shape) {
    std::string s = "(";
    for (size_t i = 0; i < shape.size(); ++i)
        s += (i ? ", " : "") + std::to_string(shape[i]);
    return s + (shape.size() == 1 ? ",)" : ")");
}

Array parse(std::span<const uint8_t> f, const std::string& where) {
    if (f.size() < 10 || std::memcmp(f.data(), kMagic, sizeof(kMagic)) != 0)
        bad(where, "not a .npy file (bad magic)");
    const uint8_t major = f[6], minor = f[7];
    if (major < 1 || major > 3 || minor != 0)
        bad(where, "unsupported .npy format version " + std::to_string(major) + "." +
                       std::to_string(minor) + " (1.0, 2.0 and 3.0 are read)");
    uint64_t header_len, start;
    if (major == 1) {
        header_len = uint64_t(f[8]) | uint64_t(f[9]) << 8;
        start = 10;
    } else {
        if (f.size() < 12)
            bad(where, "truncated header");
        header_len =
            uint64_t(f[8]) | uint64_t(f[9]) << 8 | uint64_t(f[10]) << 16 | uint64_t(f[11]) << 24;
        start = 12;
    }
    if (header_len > kMaxHeaderLength)
        bad(where, "header length " + std::to_string(header_len) + " is more than " +
                       std::to_string(kMaxHeaderLength));
    if (f.size() < start || header_len > f.size() - start)
        bad(where, "truncated: the header needs " + std::to_string(header_len) + " bytes");
    std::string_view header(reinterpret_cast<const char*>(f.data() + start), header_len);
    if (header.empty() || header.back() != '\n')
        bad(where, "the header does not end with a newline");
    Array a;
    bool fortran = false;
    DictParser(header, where).parse(&a.descr, &fortran, &a.shape);
    if (fortran)
        bad(where, "fortran_order True is not supported (save C-ordered arrays)");
    const uint32_t esize = descr_size(a.descr);
    if (esize == 0)
        bad(where,
            "dtype '" + a.descr + "' is not supported ('<f4', '<f2', '<i4', '<u2'; little-endian)");
    uint64_t bytes = esize;
    for (uint64_t d : a.shape)
        if (__builtin_mul_overflow(bytes, d, &bytes))
            bad(where, "shape " + shape_str(a.shape) + " overflows");
    const uint64_t have = f.size() - start - header_len;
    if (bytes != have)
        bad(where, "shape " + shape_str(a.shape) + " of '" + a.descr + "' needs " +
                       std::to_string(bytes) + " data bytes, the file has " + std::to_string(have));
    a.data.assign(f.begin() + int64_t(start + header_len), f.end());
    return a;
}

Array read(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    if (!in)
        throw Error(path + ": cannot open: " + std::strerror(errno));
    in.seekg(0, std::ios::end);
    const std::streamoff size = in.tellg();
    if (size < 0)
        throw Error(path + ": cannot read its size");
    in.seekg(0);
    std::vector<uint8_t> bytes(static_cast<size_t>(size));
    if (!in.read(reinterpret_cast<char*>(bytes.data()), size))
        throw Error(path + ": read failed");
    return parse(bytes, path);
}

std::vector<uint8_t> encode(const Array& a) {
    const uint32_t esize = descr_size(a.descr);
    if (esize == 0)
        throw Error("npy::encode: unsupported dtype '" + a.descr + "'");
    uint64_t bytes = esize;
    for (uint64_t d : a.shape)
        if (__builtin_mul_overflow(bytes, d, &bytes))
            throw Error("npy::encode: shape overflows");
    if (bytes != a.data.size())
        throw Error("npy::encode: " + std::to_string(a.data.size()) + " data bytes for shape " +
                    shape_str(a.shape) + " of '" + a.descr + "'");
    std::string header = "{'descr': '" + a.descr +
                         "', 'fortran_order': False, 'shape': " + shape_str(a.shape) + ", }";
    const bool v2 = header.size() + 11 > 65535;
    const size_t pre = v2 ? 12 : 10;
    const size_t total = (pre + header.size() + 1 + 63) / 64 * 64;
    header.append(total - pre - header.size() - 1, ' ');
    header += '\n';
    std::vector<uint8_t> out(kMagic, kMagic + sizeof(kMagic));
    out.push_back(v2 ? 2 : 1);
    out.push_back(0);
    const uint64_t len = header.size();
    for (size_t i = 0; i < pre - 8; ++i)
        out.push_back(uint8_t(len >> (8 * i)));
    out.insert(out.end(), header.begin(), header.end());
    out.insert(out.end(), a.data.begin(), a.data.end());
    return out;
}

void write(const std::string& path, const Array& a) {
    const std::vector<uint8_t> bytes = encode(a);
    std::ofstream out(path, std::ios::binary | std::ios::trunc);
    if (!out)
        throw Error(path + ": cannot create: " + std::strerror(errno));
    out.write(reinterpret_cast<const char*>(bytes.data()), std::streamsize(bytes.size()));
    out.close();
    if (!out)
        throw Error(path + ": write failed");
}

uint16_t bf16_from_f32(float f) {
    uint32_t b;
    std::memcpy(&b, &f, 4);
    if ((b & 0x7fffffffu) > 0x7f800000u)  // NaN: keep it a quiet NaN
        return uint16_t((b >> 16) | 0x0040u);
    b += 0x7fffu + ((b >> 16) & 1u);
    return uint16_t(b >> 16);
}

float f32_from_bf16(uint16_t v) {
    uint32_t b = uint32_t(v) << 16;
    float f;
    std::memcpy(&f, &b, 4);
    return f;
}

}  // namespace tern::npy

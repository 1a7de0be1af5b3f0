#include "core/npy.hpp"

#include <array>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <limits>
#include <random>
#include <sstream>

namespace hashscope {
namespace {

constexpr char kMagic[] = "\x93NUMPY";
constexpr std::size_t kMagicSize = 6;

struct DTypeInfo {
    DType type;
    const char* descr;
    std::size_t size;
};
constexpr std::array<DTypeInfo, 6> kDTypes{{
    {DType::f32, "<f4", 4},
    {DType::f64, "<f8", 8},
    {DType::i32, "<i4", 4},
    {DType::i64, "<i8", 8},
    {DType::u8, "|u1", 1},
    {DType::u32, "<u4", 4},
}};

const DTypeInfo& info(DType t) {
    for (const auto& d : kDTypes)
        if (d.type == t) return d;
    throw std::logic_error("unknown dtype");
}

[[noreturn]] void fail(const std::string& path, const std::string& problem) {
    throw InputError(path + ": " + problem);
}

// The header is a Python dict literal; these helpers read the three keys NumPy writes.
std::size_t find_key(const std::string& header, const std::string& key, const std::string& path) {
    const auto at = header.find("'" + key + "'");
    if (at == std::string::npos) fail(path, "not a valid .npy header (no '" + key + "' entry)");
    const auto colon = header.find(':', at);
    if (colon == std::string::npos) fail(path, "not a valid .npy header (malformed '" + key + "')");
    return colon + 1;
}

std::size_t skip_spaces(const std::string& s, std::size_t i) {
    while (i < s.size() && (s[i] == ' ' || s[i] == '\t')) ++i;
    return i;
}

DType parse_descr(const std::string& header, const std::string& path) {
    std::size_t i = skip_spaces(header, find_key(header, "descr", path));
    if (i >= header.size() || (header[i] != '\'' && header[i] != '"'))
        fail(path, "not a valid .npy header (descr is not a string)");
    const char quote = header[i];
    const auto end = header.find(quote, i + 1);
    if (end == std::string::npos) fail(path, "not a valid .npy header (unterminated descr)");
    std::string descr = header.substr(i + 1, end - i - 1);
    if (descr == "<u1" || descr == "u1") descr = "|u1";
    for (const auto& d : kDTypes)
        if (descr == d.descr) return d.type;
    if (!descr.empty() && descr[0] == '>')
        fail(path, "big-endian data ('" + descr + "') is not supported; save it little-endian");
    fail(path, "unsupported dtype '" + descr + "' (expected float32, float64, int32, int64, uint8 or uint32)");
}

bool parse_fortran_order(const std::string& header, const std::string& path) {
    const std::size_t i = skip_spaces(header, find_key(header, "fortran_order", path));
    if (header.compare(i, 4, "True") == 0) return true;
    if (header.compare(i, 5, "False") == 0) return false;
    fail(path, "not a valid .npy header (fortran_order is neither True nor False)");
}

std::vector<std::int64_t> parse_shape(const std::string& header, const std::string& path) {
    std::size_t i = skip_spaces(header, find_key(header, "shape", path));
    if (i >= header.size() || header[i] != '(') fail(path, "not a valid .npy header (shape is not a tuple)");
    const auto end = header.find(')', i);
    if (end == std::string::npos) fail(path, "not a valid .npy header (unterminated shape)");
    std::vector<std::int64_t> shape;
    std::size_t p = i + 1;
    while (true) {
        p = skip_spaces(header, p);
        if (p >= end) break;
        if (header[p] < '0' || header[p] > '9') fail(path, "not a valid .npy header (bad shape entry)");
        std::int64_t v = 0;
        while (p < end && header[p] >= '0' && header[p] <= '9') {
            if (v > (std::numeric_limits<std::int64_t>::max() - 9) / 10) fail(path, "shape entry too large");
            v = v * 10 + (header[p] - '0');
            ++p;
        }
        p = skip_spaces(header, p);
        if (p < end && header[p] == 'L') ++p;  // Python 2 longs
        p = skip_spaces(header, p);
        if (p < end && header[p] != ',') fail(path, "not a valid .npy header (bad shape separator)");
        ++p;
        shape.push_back(v);
    }
    return shape;
}

std::string shape_tuple(const std::vector<std::int64_t>& shape) {
    std::string s = "(";
    for (std::size_t i = 0; i < shape.size(); ++i) {
        s += std::to_string(shape[i]);
        if (shape.size() == 1 || i + 1 < shape.size()) s += ",";
        if (i + 1 < shape.size()) s += " ";
    }
    return s + ")";
}

template <class T>
constexpr DType dtype_of() {
    if constexpr (std::is_same_v<T, float>) return DType::f32;
    else if constexpr (std::is_same_v<T, double>) return DType::f64;
    else if constexpr (std::is_same_v<T, std::int32_t>) return DType::i32;
    else if constexpr (std::is_same_v<T, std::int64_t>) return DType::i64;
    else if constexpr (std::is_same_v<T, std::uint8_t>) return DType::u8;
    else {
        static_assert(std::is_same_v<T, std::uint32_t>, "unsupported .npy element type");
        return DType::u32;
    }
}

template <class Src, class T>
void convert(const NpyArray& a, std::vector<T>& out) {
    out.resize(a.count());
    for (std::size_t i = 0; i < out.size(); ++i) {
        Src v;
        std::memcpy(&v, a.data.data() + i * sizeof(Src), sizeof(Src));
        out[i] = static_cast<T>(v);
    }
}

}  // namespace

std::size_t dtype_size(DType t) { return info(t).size; }
const char* dtype_name(DType t) { return info(t).descr; }

std::size_t NpyArray::count() const {
    std::size_t n = 1;
    for (auto d : shape) n *= std::size_t(d);
    return n;
}

std::string NpyArray::shape_string() const {
    std::string s = "[";
    for (std::size_t i = 0; i < shape.size(); ++i) s += (i ? ", " : "") + std::to_string(shape[i]);
    return s + "]";
}

NpyArray read_npy(const std::string& path) {
    std::error_code ec;
    if (!std::filesystem::exists(path, ec)) fail(path, "no such file");
    if (std::filesystem::is_directory(path, ec)) fail(path, "is a directory, not a .npy file");
    std::ifstream in(path, std::ios::binary);
    if (!in) fail(path, "cannot open for reading");
    in.seekg(0, std::ios::end);
    const auto file_size = static_cast<std::uint64_t>(in.tellg());
    in.seekg(0);

    char prefix[10] = {};
    in.read(prefix, 8);
    if (in.gcount() < 8 || std::memcmp(prefix, kMagic, kMagicSize) != 0)
        fail(path, "not a .npy file (missing \\x93NUMPY magic)");
    const int major = static_cast<unsigned char>(prefix[6]);
    std::uint64_t header_len = 0;
    std::size_t len_bytes = 0;
    if (major == 1) len_bytes = 2;
    else if (major == 2 || major == 3) len_bytes = 4;
    else fail(path, "unsupported .npy format version " + std::to_string(major));
    unsigned char len_raw[4] = {};
    in.read(reinterpret_cast<char*>(len_raw), std::streamsize(len_bytes));
    if (std::size_t(in.gcount()) < len_bytes) fail(path, "truncated .npy header");
    for (std::size_t i = 0; i < len_bytes; ++i) header_len |= std::uint64_t(len_raw[i]) << (8 * i);
    const std::uint64_t data_offset = 8 + len_bytes + header_len;
    if (data_offset > file_size) fail(path, "truncated .npy header");

    std::string header(header_len, '\0');
    in.read(header.data(), std::streamsize(header_len));

    NpyArray a;
    a.dtype = parse_descr(header, path);
    if (parse_fortran_order(header, path))
        fail(path, "Fortran-order arrays are not supported; save with np.ascontiguousarray");
    a.shape = parse_shape(header, path);
    if (a.shape.empty() || a.shape.size() > 3)
        fail(path, "has " + std::to_string(a.shape.size()) + " dimensions; 1 to 3 are supported");

    // Compare sizes before allocating, so a header that declares a huge shape costs nothing.
    const std::uint64_t available = file_size - data_offset;
    std::uint64_t count = 1;
    for (auto d : a.shape) {
        if (d != 0 && count > available / std::uint64_t(d)) fail(path, "truncated data: shape " + a.shape_string() + " needs more bytes than the file has");
        count *= std::uint64_t(d);
    }
    const std::uint64_t need = count * dtype_size(a.dtype);
    if (need > available)
        fail(path, "truncated data: shape " + a.shape_string() + " needs " + std::to_string(need) +
                       " bytes, the file has " + std::to_string(available));
    if (need < available)
        fail(path, "has " + std::to_string(available - need) + " bytes past the data its header declares");
    a.data.resize(need);
    in.read(reinterpret_cast<char*>(a.data.data()), std::streamsize(need));
    if (std::uint64_t(in.gcount()) != need) fail(path, "read error");
    return a;
}

void write_npy(const std::string& path, const NpyArray& a) {
    if (a.shape.empty() || a.shape.size() > 3) throw std::logic_error("write_npy: 1 to 3 dimensions");
    if (a.data.size() != a.count() * dtype_size(a.dtype)) throw std::logic_error("write_npy: data size");
    std::string header = std::string("{'descr': '") + dtype_name(a.dtype) +
                         "', 'fortran_order': False, 'shape': " + shape_tuple(a.shape) + ", }";
    // Pad with spaces so the data starts on a 64-byte boundary, newline last (as NumPy does).
    const std::size_t unpadded = kMagicSize + 2 + 2 + header.size() + 1;
    header.append((64 - unpadded % 64) % 64, ' ');
    header.push_back('\n');
    if (header.size() > 65535) throw std::logic_error("write_npy: header too long");

    // Write beside the target, then rename: readers never see a partial file.
    std::random_device entropy;
    const std::string tmp = path + ".tmp" + std::to_string(entropy());
    {
        std::ofstream out(tmp, std::ios::binary | std::ios::trunc);
        if (!out) fail(path, "cannot open for writing");
        out.write(kMagic, kMagicSize);
        const char version[2] = {1, 0};
        out.write(version, 2);
        const unsigned char len[2] = {static_cast<unsigned char>(header.size() & 0xff),
                                      static_cast<unsigned char>(header.size() >> 8)};
        out.write(reinterpret_cast<const char*>(len), 2);
        out.write(header.data(), std::streamsize(header.size()));
        out.write(reinterpret_cast<const char*>(a.data.data()), std::streamsize(a.data.size()));
        out.flush();
        if (!out) {
            out.close();
            std::filesystem::remove(tmp);
            fail(path, "write failed (disk full?)");
        }
    }
    std::error_code ec;
    std::filesystem::rename(tmp, path, ec);
    if (ec) {
        std::filesystem::remove(tmp);
        fail(path, "cannot write: " + ec.message());
    }
}

template <class T>
NpyArray make_npy(std::span<const T> values, std::vector<std::int64_t> shape) {
    NpyArray a;
    a.dtype = dtype_of<T>();
    a.shape = std::move(shape);
    if (a.count() != values.size()) throw std::logic_error("make_npy: shape does not match value count");
    a.data.resize(values.size_bytes());
    // An empty span may hold a null pointer, which memcpy must never see (UBSan reports it).
    if (!values.empty()) std::memcpy(a.data.data(), values.data(), values.size_bytes());
    return a;
}

template <class T>
std::vector<T> npy_values(const NpyArray& a) {
    std::vector<T> out;
    switch (a.dtype) {
        case DType::f32: convert<float>(a, out); break;
        case DType::f64: convert<double>(a, out); break;
        case DType::i32: convert<std::int32_t>(a, out); break;
        case DType::i64: convert<std::int64_t>(a, out); break;
        case DType::u8: convert<std::uint8_t>(a, out); break;
        case DType::u32: convert<std::uint32_t>(a, out); break;
    }
    return out;
}

template <class T>
Matrix<T> npy_to_matrix(const NpyArray& a, const std::string& what) {
    if (a.shape.size() != 2)
        throw InputError(what + ": expected a 2-D array, got shape " + a.shape_string());
    if (a.dtype != DType::f32 && a.dtype != DType::f64)
        throw InputError(what + ": expected float32 or float64 data, got " + dtype_name(a.dtype));
    const auto values = npy_values<T>(a);
    Matrix<T> m = Eigen::Map<const Matrix<T>>(values.data(), a.shape[0], a.shape[1]);
    require_finite(m, what);
    return m;
}

template <class T>
NpyArray matrix_to_npy(const Matrix<T>& m) {
    return make_npy<T>(std::span<const T>(m.data(), std::size_t(m.size())), {m.rows(), m.cols()});
}

#define HASHSCOPE_NPY_TYPE(T)                                                        \
    template NpyArray make_npy<T>(std::span<const T>, std::vector<std::int64_t>); \
    template std::vector<T> npy_values<T>(const NpyArray&);
HASHSCOPE_NPY_TYPE(float)
HASHSCOPE_NPY_TYPE(double)
HASHSCOPE_NPY_TYPE(std::int32_t)
HASHSCOPE_NPY_TYPE(std::int64_t)
HASHSCOPE_NPY_TYPE(std::uint8_t)
HASHSCOPE_NPY_TYPE(std::uint32_t)
#undef HASHSCOPE_NPY_TYPE

template Matrix<float> npy_to_matrix<float>(const NpyArray&, const std::string&);
template Matrix<double> npy_to_matrix<double>(const NpyArray&, const std::string&);
template NpyArray matrix_to_npy<float>(const Matrix<float>&);
template NpyArray matrix_to_npy<double>(const Matrix<double>&);

}  // namespace hashscope

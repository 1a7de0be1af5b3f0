// .npy reading and writing: round trips of every supported dtype and rank, the on-disk layout,
// agreement with NumPy itself in both directions (python3 + numpy is a required test dependency),
// and every kind of bad file, each refused with an InputError that names the file and the problem.
#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <limits>
#include <new>
#include <span>
#include <string>
#include <unistd.h>
#include <vector>

#include "core/npy.hpp"

// Records the largest single heap request, so a test can prove that a huge declared shape is refused
// before anything is allocated for it.
namespace {
std::atomic<std::size_t> g_largest_allocation{0};
}

// noinline: were the bodies inlined, GCC would see new's pointer reach free() and warn
// (-Wmismatched-new-delete), though the pair is consistent.
[[gnu::noinline]] void* operator new(std::size_t size) {
    std::size_t seen = g_largest_allocation.load();
    while (size > seen && !g_largest_allocation.compare_exchange_weak(seen, size)) {
    }
    if (void* p = std::malloc(size ? size : 1)) return p;
    throw std::bad_alloc();
}
[[gnu::noinline]] void operator delete(void* p) noexcept { std::free(p); }
[[gnu::noinline]] void operator delete(void* p, std::size_t) noexcept { std::free(p); }

namespace {

namespace fs = std::filesystem;
using namespace hashscope;

// A fresh directory per test, removed afterwards.
class NpyTest : public ::testing::Test {
protected:
    void SetUp() override {
        const auto* info = ::testing::UnitTest::GetInstance()->current_test_info();
        dir_ = fs::temp_directory_path() /
               ("hashscope_npy_" + std::to_string(::getpid()) + "_" + info->name());
        fs::remove_all(dir_);
        fs::create_directories(dir_);
    }
    void TearDown() override {
        std::error_code ec;
        fs::remove_all(dir_, ec);
    }
    std::string path(const std::string& name) const { return (dir_ / name).string(); }

    fs::path dir_;
};

std::vector<char> read_bytes(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

void write_bytes(const std::string& path, const std::string& bytes) {
    std::ofstream out(path, std::ios::binary | std::ios::trunc);
    out.write(bytes.data(), std::streamsize(bytes.size()));
}

// A hand-built .npy file: magic, version, little-endian header length, the header dict padded with
// spaces to a multiple of 64 bytes ending in '\n', then `data`.
std::string npy_file(const std::string& dict, const std::string& data, int major = 1) {
    const std::size_t len_bytes = major == 1 ? 2 : 4;
    std::string header = dict;
    const std::size_t unpadded = 6 + 2 + len_bytes + header.size() + 1;
    header.append((64 - unpadded % 64) % 64, ' ');
    header.push_back('\n');
    std::string s = "\x93NUMPY";
    s.push_back(char(major));
    s.push_back(0);
    for (std::size_t i = 0; i < len_bytes; ++i) s.push_back(char((header.size() >> (8 * i)) & 0xff));
    return s + header + data;
}

std::string dict(const std::string& descr, const std::string& shape, bool fortran = false) {
    return "{'descr': '" + descr + "', 'fortran_order': " + (fortran ? "True" : "False") + ", 'shape': " + shape +
           ", }";
}

// The deterministic value k of each dtype, shared with the Python side (same formulas there).
template <class T>
T value_at(std::size_t k) {
    const double i = double(k);
    if constexpr (std::is_same_v<T, float>) return static_cast<float>((i - 7.25) / 3.0);
    else if constexpr (std::is_same_v<T, double>) return (i - 7.25) / 3.0;
    else if constexpr (std::is_same_v<T, std::int32_t>) return std::int32_t((std::int64_t(k) - 5) * -100003);
    else if constexpr (std::is_same_v<T, std::int64_t>) return (std::int64_t(k) - 5) * 123456789012LL;
    else if constexpr (std::is_same_v<T, std::uint8_t>) return std::uint8_t((k * 37) % 256);
    else return std::uint32_t(4294967295ULL - k * 1000003ULL);
}

template <class T>
std::vector<T> values(std::size_t count) {
    std::vector<T> v(count);
    for (std::size_t k = 0; k < count; ++k) v[k] = value_at<T>(k);
    return v;
}

const std::vector<std::vector<std::int64_t>> kShapes{{7}, {1}, {0}, {3, 4}, {5, 1}, {2, 3, 4}, {1, 2, 1}, {0, 3}};

std::size_t product(const std::vector<std::int64_t>& shape) {
    std::size_t n = 1;
    for (auto d : shape) n *= std::size_t(d);
    return n;
}

template <class T>
void round_trip(const std::string& file, DType expected) {
    for (const auto& shape : kShapes) {
        const auto v = values<T>(product(shape));
        const NpyArray a = make_npy<T>(std::span<const T>(v), shape);
        ASSERT_EQ(a.dtype, expected);
        write_npy(file, a);
        const NpyArray b = read_npy(file);
        EXPECT_EQ(b.dtype, expected) << file;
        EXPECT_EQ(b.shape, shape) << file;
        EXPECT_EQ(b.data, a.data) << file;
        EXPECT_EQ(npy_values<T>(b), v) << file;
    }
}

TEST_F(NpyTest, RoundTripEveryDTypeAndRank) {
    round_trip<float>(path("f32.npy"), DType::f32);
    round_trip<double>(path("f64.npy"), DType::f64);
    round_trip<std::int32_t>(path("i32.npy"), DType::i32);
    round_trip<std::int64_t>(path("i64.npy"), DType::i64);
    round_trip<std::uint8_t>(path("u8.npy"), DType::u8);
    round_trip<std::uint32_t>(path("u32.npy"), DType::u32);
}

TEST_F(NpyTest, RoundTripKeepsSpecialFloatBitsExactly) {
    const std::vector<double> v{-0.0, std::numeric_limits<double>::infinity(), std::numeric_limits<double>::quiet_NaN(),
                                std::numeric_limits<double>::denorm_min(), std::numeric_limits<double>::max()};
    write_npy(path("s.npy"), make_npy<double>(std::span<const double>(v), {5}));
    const auto back = read_npy(path("s.npy"));
    ASSERT_EQ(back.data.size(), v.size() * 8);
    EXPECT_EQ(std::memcmp(back.data.data(), v.data(), back.data.size()), 0);
}

TEST_F(NpyTest, MatrixConversions) {
    Matrix<double> m(2, 3);
    m << 1, 2, 3, 4, 5, 6;
    const auto a = matrix_to_npy(m);
    EXPECT_EQ(a.shape, (std::vector<std::int64_t>{2, 3}));
    EXPECT_EQ(npy_values<double>(a), (std::vector<double>{1, 2, 3, 4, 5, 6}));  // C order
    EXPECT_EQ(npy_to_matrix<double>(a, "--x"), m);
    EXPECT_EQ(npy_to_matrix<float>(a, "--x"), m.cast<float>());
    const std::vector<double> three(8, 1.0);
    try {
        npy_to_matrix<double>(make_npy<double>(std::span<const double>(three), {2, 2, 2}), "--qk");
        FAIL() << "3-D array accepted as a matrix";
    } catch (const InputError& e) {
        EXPECT_NE(std::string(e.what()).find("--qk"), std::string::npos) << e.what();
        EXPECT_NE(std::string(e.what()).find("2-D"), std::string::npos) << e.what();
    }
    Matrix<double> bad = m;
    bad(1, 2) = std::numeric_limits<double>::quiet_NaN();
    EXPECT_THROW(npy_to_matrix<double>(matrix_to_npy(bad), "--v"), InputError);
}

TEST_F(NpyTest, HeaderIsSixtyFourByteAligned) {
    for (const auto& shape : kShapes) {
        for (int dt = 0; dt < 2; ++dt) {
            const auto v = values<std::uint8_t>(product(shape));
            const auto vd = values<double>(product(shape));
            const NpyArray a = dt == 0 ? make_npy<std::uint8_t>(std::span<const std::uint8_t>(v), shape)
                                       : make_npy<double>(std::span<const double>(vd), shape);
            write_npy(path("a.npy"), a);
            const auto bytes = read_bytes(path("a.npy"));
            ASSERT_GE(bytes.size(), 10u);
            EXPECT_EQ(std::string(bytes.data(), 6), "\x93NUMPY");
            EXPECT_EQ(bytes[6], 1);
            EXPECT_EQ(bytes[7], 0);
            const std::size_t header_len = std::size_t(std::uint8_t(bytes[8])) | std::size_t(std::uint8_t(bytes[9])) << 8;
            const std::size_t data_offset = 10 + header_len;
            EXPECT_EQ(data_offset % 64, 0u) << a.shape_string();
            ASSERT_LE(data_offset, bytes.size());
            EXPECT_EQ(bytes[data_offset - 1], '\n');
            EXPECT_EQ(bytes.size(), data_offset + a.data.size());
            const std::string header(bytes.data() + 10, header_len);
            EXPECT_NE(header.find(std::string("'descr': '") + dtype_name(a.dtype) + "'"), std::string::npos) << header;
            EXPECT_NE(header.find("'fortran_order': False"), std::string::npos) << header;
        }
    }
}

TEST_F(NpyTest, WriteLeavesNoTemporaryFile) {
    const auto v = values<float>(12);
    const NpyArray a = make_npy<float>(std::span<const float>(v), {3, 4});
    write_npy(path("out.npy"), a);
    write_npy(path("out.npy"), a);  // overwriting an existing file
    std::vector<std::string> names;
    for (const auto& e : fs::directory_iterator(dir_)) names.push_back(e.path().filename().string());
    EXPECT_EQ(names, std::vector<std::string>{"out.npy"});

    // A failed write (the directory does not exist) throws, names the file and leaves nothing.
    const std::string missing_dir = path("no_such_dir/out.npy");
    try {
        write_npy(missing_dir, a);
        FAIL() << "write into a missing directory succeeded";
    } catch (const InputError& e) {
        EXPECT_NE(std::string(e.what()).find(missing_dir), std::string::npos) << e.what();
    }
    names.clear();
    for (const auto& e : fs::directory_iterator(dir_)) names.push_back(e.path().filename().string());
    EXPECT_EQ(names, std::vector<std::string>{"out.npy"});
}

TEST_F(NpyTest, ReadsVersionTwoAndThreeHeaders) {
    const auto v = values<double>(6);
    const std::string data(reinterpret_cast<const char*>(v.data()), v.size() * 8);
    for (int major : {2, 3}) {
        write_bytes(path("v.npy"), npy_file(dict("<f8", "(2, 3)"), data, major));
        const auto a = read_npy(path("v.npy"));
        EXPECT_EQ(a.shape, (std::vector<std::int64_t>{2, 3}));
        EXPECT_EQ(npy_values<double>(a), v);
    }
}

// ---------------------------------------------------------------------------------------------
// Bad files.

void expect_refused(const std::string& file, const std::string& word) {
    try {
        read_npy(file);
        ADD_FAILURE() << file << " was accepted; expected an error mentioning '" << word << "'";
    } catch (const InputError& e) {
        const std::string msg = e.what();
        EXPECT_NE(msg.find(file), std::string::npos) << "message does not name the file: " << msg;
        EXPECT_NE(msg.find(word), std::string::npos) << "message does not say '" << word << "': " << msg;
    } catch (const std::exception& e) {
        ADD_FAILURE() << file << ": wrong exception type: " << e.what();
    }
}

std::string f32_data(std::size_t count) {
    const auto v = values<float>(count);
    return std::string(reinterpret_cast<const char*>(v.data()), count * 4);
}

TEST_F(NpyTest, RefusesTextFile) {
    write_bytes(path("text.npy"), "hello, this is plain text and not an array at all\n");
    expect_refused(path("text.npy"), "not a .npy file");
    write_bytes(path("short.npy"), "\x93NU");
    expect_refused(path("short.npy"), "not a .npy file");
    write_bytes(path("empty.npy"), "");
    expect_refused(path("empty.npy"), "not a .npy file");
}

TEST_F(NpyTest, RefusesUnknownVersion) {
    std::string f = npy_file(dict("<f4", "(2,)"), f32_data(2));
    f[6] = 9;
    write_bytes(path("v9.npy"), f);
    expect_refused(path("v9.npy"), "version");
}

TEST_F(NpyTest, RefusesTruncatedHeader) {
    const std::string full = npy_file(dict("<f4", "(2, 3)"), f32_data(6));
    write_bytes(path("h.npy"), full.substr(0, 40));
    expect_refused(path("h.npy"), "truncated");
    write_bytes(path("h2.npy"), full.substr(0, 9));  // inside the header-length field
    expect_refused(path("h2.npy"), "truncated");
}

TEST_F(NpyTest, RefusesTruncatedData) {
    const std::string full = npy_file(dict("<f4", "(2, 3)"), f32_data(6));
    write_bytes(path("d.npy"), full.substr(0, full.size() - 3));
    expect_refused(path("d.npy"), "truncated data");
}

TEST_F(NpyTest, RefusesTrailingBytes) {
    write_bytes(path("t.npy"), npy_file(dict("<f4", "(2, 3)"), f32_data(6) + "extra"));
    expect_refused(path("t.npy"), "bytes past the data");
}

TEST_F(NpyTest, RefusesBigEndian) {
    write_bytes(path("be.npy"), npy_file(dict(">f4", "(2, 3)"), f32_data(6)));
    expect_refused(path("be.npy"), "big-endian");
}

TEST_F(NpyTest, RefusesUnsupportedDType) {
    write_bytes(path("c8.npy"), npy_file(dict("<c8", "(3,)"), f32_data(6)));
    expect_refused(path("c8.npy"), "unsupported dtype '<c8'");
    write_bytes(path("f2.npy"), npy_file(dict("<f2", "(2,)"), f32_data(1)));
    expect_refused(path("f2.npy"), "unsupported dtype '<f2'");
}

TEST_F(NpyTest, RefusesFortranOrder) {
    write_bytes(path("f.npy"), npy_file(dict("<f4", "(2, 3)", true), f32_data(6)));
    expect_refused(path("f.npy"), "Fortran");
}

TEST_F(NpyTest, RefusesZeroAndFourDimensions) {
    write_bytes(path("0d.npy"), npy_file(dict("<f4", "()"), f32_data(1)));
    expect_refused(path("0d.npy"), "0 dimensions");
    write_bytes(path("4d.npy"), npy_file(dict("<f4", "(1, 2, 1, 3)"), f32_data(6)));
    expect_refused(path("4d.npy"), "4 dimensions");
}

TEST_F(NpyTest, RefusesHugeShapeWithoutAllocating) {
    // First show the hook sees the data buffer of a genuine 2 MiB array, so the bound below means something.
    const std::vector<double> big(std::size_t(1) << 18, 0.5);
    write_npy(path("big.npy"), make_npy<double>(std::span<const double>(big), {std::int64_t(big.size())}));
    g_largest_allocation = 0;
    EXPECT_EQ(read_npy(path("big.npy")).data.size(), big.size() * 8);
    EXPECT_GE(g_largest_allocation.load(), big.size() * 8);

    const std::vector<std::string> shapes{"(1000000000000, 1000000000000, 1000000000000)",
                                          "(4611686018427387904, 4)", "(3037000500, 3037000500)",
                                          "(2305843009213693952,)"};
    for (const auto& shape : shapes) {
        write_bytes(path("huge.npy"), npy_file(dict("<f8", shape), f32_data(4)));
        g_largest_allocation = 0;
        expect_refused(path("huge.npy"), "truncated data");
        // The error message and path strings are small; a buffer for the data would be enormous.
        EXPECT_LT(g_largest_allocation.load(), std::size_t(1) << 20) << shape;
    }
    write_bytes(path("over.npy"), npy_file(dict("<f8", "(99999999999999999999999,)"), f32_data(4)));
    expect_refused(path("over.npy"), "too large");
}

TEST_F(NpyTest, RefusesMalformedHeader) {
    write_bytes(path("m1.npy"), npy_file("{'fortran_order': False, 'shape': (2,), }", f32_data(2)));
    expect_refused(path("m1.npy"), "descr");
    write_bytes(path("m2.npy"), npy_file("{'descr': '<f4', 'fortran_order': False, 'shape': (-2,), }", f32_data(2)));
    expect_refused(path("m2.npy"), "shape");
}

TEST_F(NpyTest, RefusesMissingFileAndDirectory) {
    expect_refused(path("does_not_exist.npy"), "no such file");
    fs::create_directories(path("adir.npy"));
    expect_refused(path("adir.npy"), "directory");
}

// ---------------------------------------------------------------------------------------------
// Cross-checks with NumPy.

// The first interpreter that can import numpy; HASHSCOPE_PYTHON overrides. "" when none can.
std::string python_with_numpy() {
    std::vector<std::string> candidates;
    if (const char* env = std::getenv("HASHSCOPE_PYTHON")) candidates.push_back(env);
    candidates.insert(candidates.end(), {"python3", "/usr/bin/python3", "python"});
    for (const auto& c : candidates) {
        const std::string cmd = "'" + c + "' -c 'import numpy' >/dev/null 2>&1";
        if (std::system(cmd.c_str()) == 0) return c;
    }
    return "";
}

// Formulas identical to value_at<T>; numpy's astype(float32) rounds to nearest like static_cast.
const char* kPythonValues = R"PY(
import sys, os
import numpy as np
def values(code, count):
    k = np.arange(count, dtype=np.int64)
    if code == 'f4': return ((k.astype(np.float64) - 7.25) / 3.0).astype(np.float32)
    if code == 'f8': return (k.astype(np.float64) - 7.25) / 3.0
    if code == 'i4': return ((k - 5) * -100003).astype(np.int32)
    if code == 'i8': return (k - 5) * 123456789012
    if code == 'u1': return ((k * 37) % 256).astype(np.uint8)
    if code == 'u4': return (4294967295 - k.astype(np.uint64) * 1000003).astype(np.uint32)
    raise SystemExit('unknown code ' + code)
codes = ['f4', 'f8', 'i4', 'i8', 'u1', 'u4']
shapes = [(7,), (3, 4), (2, 3, 4), (1, 5), (0,)]
)PY";

const char* kPythonWrite = R"PY(
d = sys.argv[1]
for code in codes:
    for s, shape in enumerate(shapes):
        a = values(code, int(np.prod(shape))).reshape(shape)
        np.save(os.path.join(d, '%s_%d.npy' % (code, s)), a)
# Other header versions, written by numpy's own writer.
a = values('f8', 6).reshape(2, 3)
for v in [(2, 0), (3, 0)]:
    with open(os.path.join(d, 'version%d.npy' % v[0]), 'wb') as f:
        np.lib.format.write_array(f, a, version=v)
# Files core must refuse.
np.save(os.path.join(d, 'big_endian.npy'), values('f4', 6).astype('>f4'))
np.save(os.path.join(d, 'complex.npy'), np.zeros(3, dtype='<c8'))
np.save(os.path.join(d, 'fortran.npy'), np.asfortranarray(values('f4', 6).reshape(2, 3)))
np.save(os.path.join(d, 'zero_d.npy'), np.float32(1.5))
np.save(os.path.join(d, 'four_d.npy'), values('f4', 6).reshape(1, 2, 1, 3))
np.save(os.path.join(d, 'bool.npy'), np.array([True, False]))
)PY";

const char* kPythonVerify = R"PY(
d = sys.argv[1]
want = {'f4': '<f4', 'f8': '<f8', 'i4': '<i4', 'i8': '<i8', 'u1': '|u1', 'u4': '<u4'}
bad = 0
for code in codes:
    for s, shape in enumerate(shapes):
        name = os.path.join(d, 'core_%s_%d.npy' % (code, s))
        a = np.load(name)
        e = values(code, int(np.prod(shape))).reshape(shape)
        if a.dtype.str != want[code] or a.shape != shape or not np.array_equal(a, e) or not a.flags.c_contiguous:
            print('MISMATCH', name, a.dtype.str, a.shape, a.ravel()[:4], e.ravel()[:4])
            bad += 1
        # The header layout numpy itself checks on read; also the 64-byte alignment.
        with open(name, 'rb') as f:
            version = np.lib.format.read_magic(f)
            if version != (1, 0):
                print('VERSION', name, version); bad += 1
            np.lib.format.read_array_header_1_0(f)
            if f.tell() % 64 != 0:
                print('UNALIGNED', name, f.tell()); bad += 1
print('checked', len(codes) * len(shapes), 'bad', bad)
sys.exit(1 if bad else 0)
)PY";

bool run_python(const std::string& python, const fs::path& dir, const std::string& name, const std::string& body) {
    const fs::path script = dir / name;
    write_bytes(script.string(), std::string(kPythonValues) + body);
    const std::string cmd = "'" + python + "' '" + script.string() + "' '" + dir.string() + "'";
    return std::system(cmd.c_str()) == 0;
}

template <class T>
void check_numpy_file(const fs::path& dir, const std::string& code, DType dtype) {
    const std::vector<std::vector<std::int64_t>> shapes{{7}, {3, 4}, {2, 3, 4}, {1, 5}, {0}};
    for (std::size_t s = 0; s < shapes.size(); ++s) {
        const std::string file = (dir / (code + "_" + std::to_string(s) + ".npy")).string();
        const NpyArray a = read_npy(file);
        EXPECT_EQ(a.dtype, dtype) << file;
        EXPECT_EQ(a.shape, shapes[s]) << file;
        EXPECT_EQ(npy_values<T>(a), values<T>(product(shapes[s]))) << file;
    }
}

template <class T>
void write_core_files(const fs::path& dir, const std::string& code) {
    const std::vector<std::vector<std::int64_t>> shapes{{7}, {3, 4}, {2, 3, 4}, {1, 5}, {0}};
    for (std::size_t s = 0; s < shapes.size(); ++s) {
        const auto v = values<T>(product(shapes[s]));
        write_npy((dir / ("core_" + code + "_" + std::to_string(s) + ".npy")).string(),
                  make_npy<T>(std::span<const T>(v), shapes[s]));
    }
}

TEST_F(NpyTest, ReadsFilesWrittenByNumpy) {
    const std::string python = python_with_numpy();
    ASSERT_FALSE(python.empty()) << "python3 with numpy is a required test dependency (apt-get install python3-numpy)";
    ASSERT_TRUE(run_python(python, dir_, "write.py", kPythonWrite)) << "numpy failed to write the test files";

    check_numpy_file<float>(dir_, "f4", DType::f32);
    check_numpy_file<double>(dir_, "f8", DType::f64);
    check_numpy_file<std::int32_t>(dir_, "i4", DType::i32);
    check_numpy_file<std::int64_t>(dir_, "i8", DType::i64);
    check_numpy_file<std::uint8_t>(dir_, "u1", DType::u8);
    check_numpy_file<std::uint32_t>(dir_, "u4", DType::u32);
    for (const char* v : {"version2.npy", "version3.npy"}) {
        const NpyArray a = read_npy(path(v));
        EXPECT_EQ(a.shape, (std::vector<std::int64_t>{2, 3})) << v;
        EXPECT_EQ(npy_values<double>(a), values<double>(6)) << v;
    }
    expect_refused(path("big_endian.npy"), "big-endian");
    expect_refused(path("complex.npy"), "unsupported dtype '<c8'");
    expect_refused(path("fortran.npy"), "Fortran");
    expect_refused(path("zero_d.npy"), "0 dimensions");
    expect_refused(path("four_d.npy"), "4 dimensions");
    expect_refused(path("bool.npy"), "unsupported dtype '|b1'");
}

TEST_F(NpyTest, NumpyReadsFilesWrittenByCore) {
    const std::string python = python_with_numpy();
    ASSERT_FALSE(python.empty()) << "python3 with numpy is a required test dependency (apt-get install python3-numpy)";
    write_core_files<float>(dir_, "f4");
    write_core_files<double>(dir_, "f8");
    write_core_files<std::int32_t>(dir_, "i4");
    write_core_files<std::int64_t>(dir_, "i8");
    write_core_files<std::uint8_t>(dir_, "u1");
    write_core_files<std::uint32_t>(dir_, "u4");
    EXPECT_TRUE(run_python(python, dir_, "verify.py", kPythonVerify)) << "numpy disagrees with core's files";
}

}  // namespace

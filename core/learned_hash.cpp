#include "core/learned_hash.hpp"

#include <bit>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <filesystem>
#include <fstream>

#include "core/error.hpp"

namespace hashscope {
namespace {

static_assert(std::endian::native == std::endian::little, "the model file is written in host order");

constexpr char kMagic[8] = {'H', 'S', 'L', 'H', 'A', 'S', 'H', '1'};
constexpr std::uint32_t kVersion = 1;

std::size_t head_values(const LearnedHashModel& m) {
    const std::size_t d = std::size_t(m.d), h = std::size_t(m.hidden), b = std::size_t(m.bits);
    return 2 * (2 * d + d * h + h + h * b + b);
}

template <class Array>
void put(std::vector<double>& out, const Array& a) {
    for (Eigen::Index i = 0; i < a.rows(); ++i)
        for (Eigen::Index j = 0; j < a.cols(); ++j) out.push_back(a(i, j));
}

template <class Array>
void take(const double*& in, Array& a) {
    for (Eigen::Index i = 0; i < a.rows(); ++i)
        for (Eigen::Index j = 0; j < a.cols(); ++j) a(i, j) = *in++;
}

// The file's order of one hash MLP's arrays, shared by the writer and the reader so they cannot drift.
template <class Mlp, class Visit>
void each_array(Mlp& mlp, Visit visit) {
    visit(mlp.mean);
    visit(mlp.inv_std);
    visit(mlp.w1);
    visit(mlp.b1);
    visit(mlp.w2);
    visit(mlp.b2);
}

HashMlp<double> sized_mlp(const LearnedHashModel& m) {
    return {Vector<double>(m.d), Vector<double>(m.d), Matrix<double>(m.d, m.hidden),
            Vector<double>(m.hidden), Matrix<double>(m.hidden, m.bits), Vector<double>(m.bits)};
}

void check_sizes(std::uint32_t heads, std::uint32_t d, std::uint32_t hidden, std::uint32_t bits, const std::string& what) {
    if (heads < 1 || heads > 4096 || d < 1 || d > 65536 || hidden < 1 || hidden > 65536 || bits < 1 ||
        bits > kMaxLearnedBits)
        throw InputError(what + ": implausible header (heads " + std::to_string(heads) + ", d " + std::to_string(d) +
                         ", hidden " + std::to_string(hidden) + ", bits " + std::to_string(bits) + ")");
}

}  // namespace

template <class T>
Matrix<T> hash_mlp_standardise(const HashMlp<T>& mlp, const Matrix<T>& x) {
    return ((x.rowwise() - mlp.mean.transpose()).array().rowwise() * mlp.inv_std.transpose().array()).matrix();
}

template <class T>
Matrix<T> hash_mlp_forward(const HashMlp<T>& mlp, const Matrix<T>& x, HashMlpActivations<T>* keep, bool standardised) {
    Matrix<T> pre;
    if (standardised) pre.noalias() = x * mlp.w1;
    else pre.noalias() = hash_mlp_standardise(mlp, x) * mlp.w1;
    pre.rowwise() += mlp.b1.transpose();
    // SiLU(h) = h * sigmoid(h).
    Matrix<T> hidden = pre.array() / (T(1) + (-pre.array()).exp());
    Matrix<T> u;
    u.noalias() = hidden * mlp.w2;
    u.rowwise() += mlp.b2.transpose();
    if (keep) {
        keep->pre = std::move(pre);
        keep->hidden = std::move(hidden);
    }
    return u;
}

void check_learned_model(const LearnedHashModel& model, int d, int bits, const std::string& what) {
    if (model.d != d)
        throw InputError(what + ": the model maps d = " + std::to_string(model.d) + " vectors but the data has d = " +
                         std::to_string(d));
    if (bits != 0 && model.bits != bits)
        throw InputError(what + ": the model makes " + std::to_string(model.bits) + "-bit codes, not " +
                         std::to_string(bits));
}

template <class T>
PackedCodes learned_codes(const LearnedHashModel& model, int head, HashSide side, const Matrix<T>& x) {
    check_learned_model(model, int(x.cols()), 0, "learned hash");
    if (head < 0 || head >= int(model.heads.size()))
        throw InputError("learned hash: head " + std::to_string(head) + " outside the model's " +
                         std::to_string(model.heads.size()) + " heads");
    const LearnedHashHead& h = model.heads[std::size_t(head)];
    const HashMlp<double>& mlp = side == HashSide::query ? h.query : h.key;
    return pack_signs<T>(hash_mlp_forward<T>(mlp.cast<T>(), x));
}

void save_learned_hash(const LearnedHashModel& m, const std::string& path) {
    check_sizes(std::uint32_t(m.heads.size()), std::uint32_t(m.d), std::uint32_t(m.hidden), std::uint32_t(m.bits),
                "learned hash model");
    std::vector<double> values;
    values.reserve(head_values(m) * m.heads.size());
    for (const auto& head : m.heads)
        for (const HashMlp<double>* mlp : {&head.query, &head.key})
            each_array(*mlp, [&](const auto& a) { put(values, a); });
    if (values.size() != head_values(m) * m.heads.size())
        throw InputError("learned hash model: weight shapes disagree with d/hidden/bits");
    const std::uint32_t header[5] = {kVersion, std::uint32_t(m.heads.size()), std::uint32_t(m.d),
                                     std::uint32_t(m.hidden), std::uint32_t(m.bits)};
    // Temporary name, then rename: a failed write never leaves a partial model behind.
    const std::string temporary = path + ".tmp";
    {
        std::ofstream out(temporary, std::ios::binary | std::ios::trunc);
        out.write(kMagic, sizeof kMagic);
        out.write(reinterpret_cast<const char*>(header), sizeof header);
        out.write(reinterpret_cast<const char*>(values.data()), std::streamsize(values.size() * sizeof(double)));
        if (!out.flush()) {
            std::filesystem::remove(temporary);
            throw InputError(path + ": cannot write the model file");
        }
    }
    std::error_code error;
    std::filesystem::rename(temporary, path, error);
    if (error) {
        std::filesystem::remove(temporary);
        throw InputError(path + ": cannot write the model file (" + error.message() + ")");
    }
}

LearnedHashModel load_learned_hash(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    if (!in) throw InputError(path + ": cannot open the model file");
    char magic[8];
    std::uint32_t header[5];
    in.read(magic, sizeof magic);
    if (!in || std::memcmp(magic, kMagic, sizeof magic) != 0)
        throw InputError(path + ": not a hashscope learned hash model (bad magic)");
    in.read(reinterpret_cast<char*>(header), sizeof header);
    if (!in) throw InputError(path + ": truncated model header");
    if (header[0] != kVersion)
        throw InputError(path + ": model format version " + std::to_string(header[0]) + " is not supported");
    check_sizes(header[1], header[2], header[3], header[4], path);
    LearnedHashModel m;
    m.d = int(header[2]);
    m.hidden = int(header[3]);
    m.bits = int(header[4]);
    // The header's sizes are checked against the file before anything is allocated, so a crafted
    // header cannot ask for gigabytes (found by tests/fuzz/fuzz_learned_hash).
    const std::uintmax_t declared = sizeof magic + sizeof header + head_values(m) * header[1] * sizeof(double);
    const std::uintmax_t actual = std::filesystem::file_size(path);
    if (actual != declared)
        throw InputError(path + ": the header declares " + std::to_string(declared) + " bytes but the file has " +
                         std::to_string(actual));
    std::vector<double> values(head_values(m) * header[1]);
    in.read(reinterpret_cast<char*>(values.data()), std::streamsize(values.size() * sizeof(double)));
    if (!in) throw InputError(path + ": truncated model weights");
    if (in.peek() != std::ifstream::traits_type::eof()) throw InputError(path + ": trailing bytes after the model");
    const double* cursor = values.data();
    m.heads.resize(header[1]);
    for (auto& head : m.heads)
        for (HashMlp<double>* mlp : {&head.query, &head.key}) {
            *mlp = sized_mlp(m);
            each_array(*mlp, [&](auto& a) { take(cursor, a); });
        }
    for (double v : values)
        if (!std::isfinite(v)) throw InputError(path + ": non-finite weight in the model");
    return m;
}

template Matrix<float> hash_mlp_standardise<float>(const HashMlp<float>&, const Matrix<float>&);
template Matrix<double> hash_mlp_standardise<double>(const HashMlp<double>&, const Matrix<double>&);
template Matrix<float> hash_mlp_forward<float>(const HashMlp<float>&, const Matrix<float>&,
                                               HashMlpActivations<float>*, bool);
template Matrix<double> hash_mlp_forward<double>(const HashMlp<double>&, const Matrix<double>&,
                                                 HashMlpActivations<double>*, bool);
template PackedCodes learned_codes<float>(const LearnedHashModel&, int, HashSide, const Matrix<float>&);
template PackedCodes learned_codes<double>(const LearnedHashModel&, int, HashSide, const Matrix<double>&);

}  // namespace hashscope

#include "core/crypto_buckets.hpp"

#include <algorithm>
#include <bit>
#include <cmath>
#include <cstring>
#include <string>
#include <type_traits>

#include "core/parallel_for.hpp"
#include "core/simhash.hpp"

namespace hashscope {

// The float32 bytes are hashed as they lie in memory, which is the specified little-endian layout.
static_assert(std::endian::native == std::endian::little, "crypto buckets assume a little-endian machine");

std::string_view quantize_name(Quantize q) {
    switch (q) {
        case Quantize::none: return "none";
        case Quantize::sign: return "sign";
        case Quantize::int8: return "int8";
    }
    return "?";
}

Quantize parse_quantize(std::string_view name) {
    for (Quantize q : {Quantize::none, Quantize::sign, Quantize::int8})
        if (quantize_name(q) == name) return q;
    throw InputError("--quantize: unknown '" + std::string(name) + "' (expected none|sign|int8)");
}

template <class T>
void check_crypto_bucket_config(const CryptoBucketConfig<T>& config, Eigen::Index d) {
    if (config.bits < 1 || config.bits > 32)
        throw InputError("--bits " + std::to_string(config.bits) + " is outside 1..32");
    if (config.threads < 1) throw InputError("threads must be at least 1");
    if (config.planes.size() && config.quantize != Quantize::sign)
        throw InputError("--planes only applies to --quantize sign");
    if (config.planes.size() && config.planes.rows() != d)
        throw InputError("--planes has d = " + std::to_string(config.planes.rows()) + " but the vectors have d = " +
                         std::to_string(d));
    if (config.planes.size()) require_finite(config.planes, "--planes");
}

namespace {

template <class T>
void sign_messages(const Matrix<T>& x, const CryptoBucketConfig<T>& config, BucketMessages& m) {
    const Matrix<T> planes = config.planes.size() ? config.planes : Matrix<T>(Matrix<T>::Identity(x.cols(), x.cols()));
    const SimHashCodes codes = simhash_codes(x, planes);
    m.length = (std::size_t(codes.bits) + 7) / 8;
    m.bytes.resize(std::size_t(x.rows()) * m.length);
    // Words are little-endian in memory, so their first ceil(p / 8) bytes put bit i at byte i / 8, bit i % 8.
    for (Eigen::Index i = 0; i < x.rows(); ++i) std::memcpy(m.bytes.data() + i * m.length, codes.row(int(i)), m.length);
}

template <class T>
void int8_messages(const Matrix<T>& x, BucketMessages& m) {
    m.length = std::size_t(x.cols());
    m.bytes.resize(std::size_t(x.rows()) * m.length);
    for (Eigen::Index i = 0; i < x.rows(); ++i) {
        const double absmax = double(x.row(i).cwiseAbs().maxCoeff());
        const double scale = absmax > 0 ? 127.0 / absmax : 0.0;
        for (Eigen::Index j = 0; j < x.cols(); ++j) {
            const auto q = std::int8_t(std::clamp(std::lround(double(x(i, j)) * scale), -127L, 127L));
            m.bytes[i * m.length + j] = std::uint8_t(q);
        }
    }
}

template <class T>
void float32_messages(const Matrix<T>& x, BucketMessages& m) {
    m.length = std::size_t(x.cols()) * sizeof(float);
    m.bytes.resize(std::size_t(x.rows()) * m.length);
    for (Eigen::Index i = 0; i < x.rows(); ++i)
        for (Eigen::Index j = 0; j < x.cols(); ++j) {
            const float f = float(x(i, j));
            std::memcpy(m.bytes.data() + i * m.length + j * sizeof(float), &f, sizeof f);
        }
}

// Hashes rows [begin, end) of messages of `length` bytes at `base`.
void hash_rows(Digester& digester, const std::uint8_t* base, std::size_t length, Eigen::Index begin, Eigen::Index end,
               const std::vector<std::uint8_t>& salt, int bits, CryptoBucketTrace& t) {
    for (Eigen::Index i = begin; i < end; ++i) {
        const std::uint64_t head = digester.head(salt, {base + std::size_t(i) * length, length});
        t.digest_head[std::size_t(i)] = head;
        t.buckets[std::size_t(i)] = leading_bits(head, bits);
    }
}

}  // namespace

template <class T>
BucketMessages bucket_messages(const Matrix<T>& x, const CryptoBucketConfig<T>& config) {
    check_crypto_bucket_config(config, x.cols());
    require_finite(x, "vectors");
    BucketMessages m;
    switch (config.quantize) {
        case Quantize::none: float32_messages(x, m); break;
        case Quantize::sign: sign_messages(x, config, m); break;
        case Quantize::int8: int8_messages(x, m); break;
    }
    return m;
}

template <class T>
void crypto_buckets(const Matrix<T>& x, const CryptoBucketConfig<T>& config, CryptoBucketTrace& t) {
    // float32 rows without quantisation are hashed in place; everything else is serialised first.
    BucketMessages messages;
    const std::uint8_t* base = nullptr;
    std::size_t length = 0;
    if (std::is_same_v<T, float> && config.quantize == Quantize::none) {
        check_crypto_bucket_config(config, x.cols());
        require_finite(x, "vectors");
        base = reinterpret_cast<const std::uint8_t*>(x.data());
        length = std::size_t(x.cols()) * sizeof(float);
    } else {
        messages = bucket_messages(x, config);
        base = messages.bytes.data();
        length = messages.length;
    }
    // A missing algorithm throws here, before the trace changes. Each range makes its own digester in
    // its own thread: digest states allocated side by side by one thread share cache lines, and two
    // threads writing them ran no faster than one (measured).
    Digester{config.algo};
    t.algo = config.algo;
    t.bits = config.bits;
    t.quantize = config.quantize;
    t.message_bytes = length + config.salt.size();
    t.buckets.resize(std::size_t(x.rows()));
    t.digest_head.resize(std::size_t(x.rows()));
    parallel_for(int(x.rows()), config.threads, [&](int begin, int end) {
        Digester own(config.algo);
        hash_rows(own, base, length, begin, end, config.salt, config.bits, t);
    });
}

template <class T>
CryptoBucketTrace crypto_buckets(const Matrix<T>& x, const CryptoBucketConfig<T>& config) {
    CryptoBucketTrace t;
    crypto_buckets(x, config, t);
    return t;
}

template void check_crypto_bucket_config<float>(const CryptoBucketConfig<float>&, Eigen::Index);
template void check_crypto_bucket_config<double>(const CryptoBucketConfig<double>&, Eigen::Index);
template BucketMessages bucket_messages<float>(const Matrix<float>&, const CryptoBucketConfig<float>&);
template BucketMessages bucket_messages<double>(const Matrix<double>&, const CryptoBucketConfig<double>&);
template void crypto_buckets<float>(const Matrix<float>&, const CryptoBucketConfig<float>&, CryptoBucketTrace&);
template void crypto_buckets<double>(const Matrix<double>&, const CryptoBucketConfig<double>&, CryptoBucketTrace&);
template CryptoBucketTrace crypto_buckets<float>(const Matrix<float>&, const CryptoBucketConfig<float>&);
template CryptoBucketTrace crypto_buckets<double>(const Matrix<double>&, const CryptoBucketConfig<double>&);

}  // namespace hashscope

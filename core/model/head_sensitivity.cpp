#include "core/model/head_sensitivity.hpp"

#include <algorithm>
#include <numeric>
#include <set>

#include "core/model/next_token_loss.hpp"

namespace hashscope {

template <class T>
SensitivityTrace head_sensitivity(const ModelWeights& model, std::span<const int> tokens, const HeadSwap& swap,
                                  int curve_points, const std::function<void(int done, int total)>& progress) {
    const ModelConfig& c = model.config;
    const HeadMethod<T> method = make_head_method<T>(swap);
    SensitivityTrace t;
    for (int l = 0; l < c.layers; ++l)
        for (int h = 0; h < c.heads; ++h)
            if (swap.applies(l, h)) t.heads.emplace_back(l, h);
    const int candidates = int(t.heads.size());
    const int points = curve_points <= 0 ? candidates + 1 : std::min(curve_points, candidates + 1);
    const int total = candidates + points;  // the dense pass is the curve's first point
    int done = 0;
    const auto loss_with = [&](const std::set<std::pair<int, int>>& swapped) {
        ForwardOptions<T> options;
        options.capture = false;
        if (!swapped.empty())
            options.attention = [&](int layer, int head, const Matrix<T>& q, const Matrix<T>& k,
                                    const Matrix<T>& v) -> std::optional<Matrix<T>> {
                if (!swapped.count({layer, head})) return std::nullopt;
                return method(layer, head, q, k, v);
            };
        const double loss = mean_next_token_loss(transformer_forward<T>(model, tokens, options).logits, tokens);
        if (progress) progress(++done, total);
        return loss;
    };

    t.loss_dense = loss_with({});
    for (const auto& head : t.heads) t.delta_loss.push_back(loss_with({head}) - t.loss_dense);
    std::vector<int> rank(static_cast<std::size_t>(candidates));
    std::iota(rank.begin(), rank.end(), 0);
    std::stable_sort(rank.begin(), rank.end(), [&](int a, int b) { return t.delta_loss[std::size_t(a)] < t.delta_loss[std::size_t(b)]; });
    for (int i : rank) t.order.push_back(t.heads[std::size_t(i)]);

    t.curve.push_back({0, 0.0, t.loss_dense});
    for (int p = 1; p < points; ++p) {
        const int count = int(std::lround(double(p) * candidates / double(points - 1)));
        const std::set<std::pair<int, int>> swapped(t.order.begin(), t.order.begin() + count);
        t.curve.push_back({count, double(count) / candidates, loss_with(swapped)});
    }
    return t;
}

template SensitivityTrace head_sensitivity<float>(const ModelWeights&, std::span<const int>, const HeadSwap&, int,
                                                  const std::function<void(int, int)>&);
template SensitivityTrace head_sensitivity<double>(const ModelWeights&, std::span<const int>, const HeadSwap&, int,
                                                   const std::function<void(int, int)>&);

}  // namespace hashscope

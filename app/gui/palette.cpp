#include "app/gui/palette.hpp"

#include <algorithm>

namespace hashscope::gui {

ImU32 bucket_colour(int bucket, int n_buckets) {
    const float hue = float(bucket) / float(std::max(n_buckets, 1));
    const float value = bucket % 2 == 0 ? 0.95f : 0.70f;
    return ImColor::HSV(hue, 0.75f, value);
}

ImU32 label_colour(int label) {
    static constexpr float kGrey[] = {0.08f, 0.45f, 0.75f, 1.0f};
    const float g = kGrey[(label % 4 + 4) % 4];
    return ImColor(g, g, g);
}

}  // namespace hashscope::gui

// A .npy file as the scene's data, for looking at one's own Q/K in every view: [n, d] is shared
// queries and keys (as Reformer shares them) with the keys as values; [2, n, d] is queries then keys;
// [3, n, d] queries, keys and values. At most 4096 tokens (the scene keeps n x n maps).
#pragma once

#include <string>

#include "core/toy_sequences.hpp"

namespace hashscope::gui {

inline constexpr int kMaxDataTokens = 4096;

// InputError naming the file: unreadable, another shape, non-finite values, too many tokens.
ToySequence npy_sequence(const std::string& path);

}  // namespace hashscope::gui

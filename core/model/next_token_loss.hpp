// Language-model loss: the mean over positions 0..n-2 of -log softmax(logits[i])[tokens[i+1]] in
// nats (the cross-entropy of predicting each next token), and its perplexity exp(loss). The
// sensitivity of a head to hashing is the change of this loss on the same tokens.
#pragma once

#include <span>

#include "core/matrix.hpp"

namespace hashscope {

// Needs at least two tokens and logits [n, vocab]; computed in double with a stable logsumexp.
template <class T>
double mean_next_token_loss(const Matrix<T>& logits, std::span<const int> tokens);

}  // namespace hashscope

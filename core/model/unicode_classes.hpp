// The three character classes of GPT-2's pre-tokenizer pattern, exactly as the Unicode Character
// Database defines them: \p{L} (general categories Lu, Ll, Lt, Lm, Lo), \p{N} (Nd, Nl, No) and \s
// (the White_Space property). The tables are generated (make_unicode_classes.py), not written.
#pragma once

namespace hashscope {

bool is_unicode_letter(char32_t c);
bool is_unicode_number(char32_t c);
bool is_unicode_space(char32_t c);

}  // namespace hashscope

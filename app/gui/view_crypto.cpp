#include "app/gui/view_crypto.hpp"

#include <imgui.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <string>
#include <vector>

#include "app/gui/palette.hpp"
#include "app/gui/plot.hpp"

namespace hashscope::gui {

namespace {

constexpr ImU32 kKept = IM_COL32(255, 200, 60, 255);
constexpr ImU32 kDropped = IM_COL32(120, 120, 135, 255);
constexpr ImU32 kExpected = IM_COL32(240, 240, 250, 230);
const ImVec4 kWarn(1.0f, 0.55f, 0.35f, 1.0f);

const char* route_help(CryptoRoute route) {
    switch (route) {
        case CryptoRoute::query:
            return "query: each query is hashed itself (the piece as written). A digest is not locality-sensitive, so a "
                   "query meets a key only if their bytes are equal or by a 2^-b chance collision.";
        case CryptoRoute::key:
            return "key: query i reads the bucket of its own token's key, so it meets whatever keys collided there: "
                   "neighbours by chance only.";
        case CryptoRoute::lsh:
            return "lsh (hybrid): the SimHash sign code is hashed, so vectors with equal codes share a bucket; the "
                   "digest only renames the codes' groups.";
    }
    return "";
}

template <class E>
bool combo(const char* label, E& value, std::initializer_list<std::pair<E, const char*>> items, float width) {
    const char* shown = "";
    for (const auto& [v, name] : items)
        if (v == value) shown = name;
    bool changed = false;
    ImGui::SetNextItemWidth(width);
    if (ImGui::BeginCombo(label, shown)) {
        for (const auto& [v, name] : items)
            if (ImGui::Selectable(name, v == value)) value = v, changed = true;
        ImGui::EndCombo();
    }
    return changed;
}

// 64 digest bits in groups of four: the first `kept` lit, the rest grey.
void draw_bits(std::uint64_t head, int kept) {
    ImDrawList* draw = ImGui::GetWindowDrawList();
    const ImVec2 o = ImGui::GetCursorScreenPos();
    const float w = ImGui::CalcTextSize("0").x + 1.0f, gap = w * 0.6f, h = ImGui::GetTextLineHeight();
    float x = o.x;
    for (int i = 0; i < 64; ++i) {
        if (i && i % 4 == 0) x += gap;
        const bool lit = i < kept;
        if (lit) draw->AddRectFilled(ImVec2(x - 1.0f, o.y), ImVec2(x + w - 1.0f, o.y + h), IM_COL32(90, 70, 20, 255));
        const char bit[2] = {char((head >> (63 - i)) & 1 ? '1' : '0'), 0};
        draw->AddText(ImVec2(x, o.y), lit ? kKept : kDropped, bit);
        x += w;
    }
    ImGui::Dummy(ImVec2(x - o.x, h));
}

// A titled separator (this ImGui predates SeparatorText).
void section(const char* title) {
    ImGui::Spacing();
    ImGui::TextColored(ImVec4(0.75f, 0.8f, 1.0f, 1.0f), "%s", title);
    ImGui::Separator();
}

std::string bytes_text(double bytes) { return plot::format_bytes(bytes); }

}  // namespace

void CryptoView::draw(AppState& state) {
    CryptoLab& lab = state.crypto;
    lab.sync(state.result().sequence, state.result().params.config.causal, state.version());
    controls(state);
    const CryptoAnalysis* a = lab.analysis();
    if (!a || a->n == 0) {
        ImGui::TextUnformatted("computing the first analysis...");
        return;
    }
    // settings.page names the page in front: set from outside (--set crypto-page, a lesson, a session)
    // it is selected; a click on a page sets it back.
    const bool requested = lab.settings.page != shown_page_;
    const auto page = [&](int index, const char* title, void (CryptoView::*draw)(AppState&)) {
        const ImGuiTabItemFlags flags = requested && lab.settings.page == index ? ImGuiTabItemFlags_SetSelected : 0;
        if (!ImGui::BeginTabItem(title, nullptr, flags)) return;
        if (!requested || flags) lab.settings.page = shown_page_ = index;
        (this->*draw)(state);
        ImGui::EndTabItem();
    };
    if (ImGui::BeginTabBar("crypto pages")) {
        page(0, "Buckets & collisions", &CryptoView::buckets_page);
        page(1, "Attack", &CryptoView::attack_page);
        page(2, "Claims", &CryptoView::claims_page);
        ImGui::EndTabBar();
    }
}

void CryptoView::controls(AppState& state) {
    CryptoSettings& s = state.crypto.settings;
    const float w = ImGui::GetFontSize() * 7.0f;
    combo("algorithm", s.algo,
          {{DigestAlgo::sha256, "sha256"}, {DigestAlgo::sha512_256, "sha512_256"}, {DigestAlgo::blake2s, "blake2s"},
           {DigestAlgo::blake2b, "blake2b"}, {DigestAlgo::blake3, "blake3"}, {DigestAlgo::xxh3, "xxh3 (not crypto)"}},
          w);
    ImGui::SameLine();
    ImGui::SetNextItemWidth(w);
    ImGui::SliderInt("bits", &s.bits, 1, 32);
    ImGui::SameLine();
    combo("route", s.route, {{CryptoRoute::query, "query"}, {CryptoRoute::key, "key"}, {CryptoRoute::lsh, "lsh"}}, w);
    if (s.route == CryptoRoute::lsh) s.quantize = Quantize::sign;
    ImGui::SameLine();
    combo("aggregate", s.aggregate,
          {{CryptoAggregation::mean, "mean"}, {CryptoAggregation::softmax, "softmax"},
           {CryptoAggregation::projection, "projection"}},
          w);
    ImGui::SameLine();
    ImGui::SetNextItemWidth(w * 0.7f);
    ImGui::SliderInt("rounds", &s.rounds, 1, 8);
    ImGui::SameLine();
    char salt[65] = {};
    std::snprintf(salt, sizeof salt, "%s", s.salt_hex.c_str());
    ImGui::SetNextItemWidth(w);
    if (ImGui::InputText("salt (hex)", salt, sizeof salt, ImGuiInputTextFlags_CharsHexadecimal)) s.salt_hex = salt;
    ImGui::SameLine();
    combo("quantize", s.quantize, {{Quantize::none, "none"}, {Quantize::sign, "sign"}, {Quantize::int8, "int8"}}, w);
    ImGui::SameLine();
    ImGui::SetNextItemWidth(w * 0.7f);
    ImGui::SliderInt("split above", &s.load_cap, 0, 64, s.load_cap == 0 ? "off" : "%d keys");
    if (ImGui::IsItemHovered())
        ImGui::SetTooltip("Hierarchical bucketing: a bucket holding more keys than this is split by the digest's\n"
                          "next bit, again and again; queries follow the same splits. 0 turns it off.");

    const CryptoLab& lab = state.crypto;
    if (!lab.error().empty()) ImGui::TextColored(kWarn, "%s (showing the last good result)", lab.error().c_str());
    else if (lab.computing()) ImGui::TextDisabled("computing...");
    else if (const CryptoAnalysis* a = lab.analysis())
        ImGui::TextDisabled("%d tokens, d = %d, %zu bytes hashed per key; computed in %.0f ms", a->n, a->d,
                            a->keys.message_bytes, a->seconds * 1e3);
    ImGui::TextWrapped("%s", route_help(s.route));
}

void CryptoView::buckets_page(AppState& state) {
    const CryptoAnalysis& a = *state.crypto.analysis();
    const CryptoSettings& s = a.settings;
    const int n = a.n;
    const auto& rounds = a.attention.rounds;
    round_ = std::clamp(round_, 0, int(rounds.size()) - 1);
    if (grids_of_ != &a) {
        grids_ = std::vector<plot::Texture>(a.grid.rgba.size());
        grids_of_ = &a;
        ++grid_version_;
    }
    const int hovered = state.hovered_token();
    const int token = hovered >= 0 && hovered < n ? hovered : std::clamp(selected_, 0, n - 1);

    // (1) The token's digest, the bits kept and the bucket they make.
    section("digest -> bucket");
    ImGui::Text("token %d%s: %s of its key, round 0 (%zu bytes%s)", token, hovered >= 0 ? " (hovered)" : " (click a token to pick)",
                std::string(digest_name(s.algo)).c_str(), a.keys.message_bytes,
                s.salt_hex.empty() ? "" : ", salt first");
    draw_bits(a.keys.digest_head[std::size_t(token)], s.bits);
    ImGui::SameLine(0.0f, 16.0f);
    ImGui::Text("first %d bits -> bucket %lld of 2^%d", s.bits, (long long)a.keys.buckets[std::size_t(token)], s.bits);
    if (s.route != CryptoRoute::key) {
        ImGui::TextDisabled("its query, hashed the same way:");
        draw_bits(a.queries.digest_head[std::size_t(token)], s.bits);
        ImGui::SameLine(0.0f, 16.0f);
        ImGui::Text("bucket %lld", (long long)a.queries.buckets[std::size_t(token)]);
    }
    ImGui::Text("round %d: the query of token %d read %d key(s)", round_, token,
                rounds[std::size_t(round_)].query_keys[std::size_t(token)]);

    // (2) Tokens coloured by bucket, (3) the load histogram against chance.
    section("tokens by bucket, and bucket loads against balls into bins");
    if (rounds.size() > 1) {
        ImGui::SetNextItemWidth(ImGui::GetFontSize() * 8.0f);
        ImGui::SliderInt("round shown", &round_, 0, int(rounds.size()) - 1);
    }
    const TokenGrid& tokens = a.grid;
    const float avail = ImGui::GetContentRegionAvail().x;
    const float cell = std::clamp(std::min(avail * 0.45f / float(tokens.cols), 16.0f), 3.0f, 16.0f);
    const float grid_w = cell * float(tokens.cols), grid_h = cell * float(tokens.rows);
    const float plot_h = std::max(grid_h, ImGui::GetFontSize() * 14.0f);
    ImDrawList* draw = ImGui::GetWindowDrawList();
    const ImVec2 origin = ImGui::GetCursorScreenPos();
    plot::Texture& grid = grids_[std::size_t(round_)];
    grid.update(grid_version_, tokens.rgba[std::size_t(round_)], tokens.width(), tokens.height());
    draw->AddImage(grid.id(), origin, ImVec2(origin.x + grid_w, origin.y + grid_h));
    const float tx = origin.x + cell * float(token % tokens.cols), ty = origin.y + cell * float(token / tokens.cols);
    draw->AddRect(ImVec2(tx - 2.0f, ty - 2.0f), ImVec2(tx + cell + 1.0f, ty + cell + 1.0f), IM_COL32_WHITE, 0.0f, 0, 2.0f);
    ImGui::InvisibleButton("crypto grid", ImVec2(grid_w, plot_h));
    if (ImGui::IsItemHovered()) {
        const ImVec2 m = ImGui::GetIO().MousePos;
        const int c = int((m.x - origin.x) / cell), row = int((m.y - origin.y) / cell), i = row * tokens.cols + c;
        if (c >= 0 && c < tokens.cols && i >= 0 && i < n) {
            state.hover(i);
            if (ImGui::IsItemClicked()) selected_ = i;
            ImGui::SetTooltip("token %d\nkey bucket %lld (round %d)", i,
                              (long long)rounds[std::size_t(round_)].key_bucket[std::size_t(i)], round_);
        }
    }

    ImGui::SameLine(0.0f, 24.0f);
    const LoadStats& l = a.loads;
    std::vector<double> measured(l.histogram.begin(), l.histogram.end());
    std::vector<double> xs, expected;
    double top = 1.0;
    for (std::size_t load = 0; load < measured.size(); ++load) {
        top = std::max({top, measured[load], l.expected_histogram[load]});
        xs.push_back(double(load) + 0.5);
        expected.push_back(std::max(l.expected_histogram[load], 0.5));
        measured[load] = std::max(measured[load], 0.5);
    }
    plot::Axis x{0.0, double(measured.size())};
    x.label = "keys in a bucket (round 0)";
    x.max_ticks = std::min<int>(int(measured.size()), 8);
    plot::Axis y{0.5, top * 2.0, plot::Scale::log10};
    y.label = "buckets (log)";
    const float hist_w = std::max(ImGui::GetContentRegionAvail().x, 200.0f);
    const plot::Frame frame("crypto loads", ImVec2(hist_w, plot_h), x, y);
    frame.bars(measured, std::vector<ImU32>(measured.size(), IM_COL32(90, 160, 230, 255)));
    frame.line(xs, expected, kExpected, 2.0f);
    frame.markers(xs, expected, kExpected, 3.0f);
    if (frame.hovered()) {
        const int load = int(frame.x_of(ImGui::GetIO().MousePos.x));
        if (load >= 0 && load < int(l.histogram.size()))
            ImGui::SetTooltip("%d keys: %lld buckets (chance: %.1f)", load, (long long)l.histogram[std::size_t(load)],
                              l.expected_histogram[std::size_t(load)]);
    }

    // The counters: measured beside what chance predicts, and the method's output against dense.
    ImGui::TextDisabled("bars: buckets holding L keys; white line: 2^b Binomial(n, 2^-b), what random allocation gives");
    const CryptoRoundTrace& r0 = rounds.front();
    if (ImGui::BeginTable("crypto counters", 3, ImGuiTableFlags_Borders | ImGuiTableFlags_SizingFixedFit,
                          ImVec2(ImGui::GetFontSize() * 30.0f, 0.0f))) {
        ImGui::TableSetupColumn("round 0, n keys into 2^b buckets");
        ImGui::TableSetupColumn("measured");
        ImGui::TableSetupColumn("chance");
        ImGui::TableHeadersRow();
        const auto row = [](const char* name, const std::string& measured_text, const std::string& chance) {
            ImGui::TableNextRow();
            ImGui::TableNextColumn();
            ImGui::TextUnformatted(name);
            ImGui::TableNextColumn();
            ImGui::TextUnformatted(measured_text.c_str());
            ImGui::TableNextColumn();
            ImGui::TextUnformatted(chance.c_str());
        };
        char e[64];
        std::snprintf(e, sizeof e, "%.1f", l.expected_pairs);
        row("colliding key pairs", std::to_string((long long)l.colliding_pairs), e);
        std::snprintf(e, sizeof e, "%.1f", l.expected_occupied);
        row("occupied buckets", std::to_string(l.occupied), e);
        std::snprintf(e, sizeof e, "%.2f", l.expected_max_load);
        row("max load", std::to_string(l.max_load), e);
        if (a.uniformity.cells > 0) {
            std::snprintf(e, sizeof e, "p = %.3f (%lld cells)", a.uniformity.p_value, (long long)a.uniformity.cells);
            char statistic[32];
            std::snprintf(statistic, sizeof statistic, "%.1f", a.uniformity.statistic);
            row("chi-square uniformity", statistic, e);
        }
        ImGui::EndTable();
    }
    // Beside the table when there is room for the lines, else below it; wrapped at the window's edge.
    const float room = ImGui::GetWindowPos().x + ImGui::GetWindowContentRegionMax().x - ImGui::GetItemRectMax().x - 24.0f;
    if (room > ImGui::GetFontSize() * 24.0f) ImGui::SameLine(0.0f, 24.0f);
    ImGui::BeginGroup();
    ImGui::PushTextWrapPos(0.0f);
    const bool many_empty = r0.empty_queries * 2 > n;
    ImGui::TextColored(many_empty ? kWarn : ImVec4(0.8f, 0.9f, 0.8f, 1.0f),
                       "queries whose bucket held no key: %d of %d (round 0); zero output after all rounds: %d",
                       r0.empty_queries, n, a.attention.empty_all_rounds);
    if (s.route == CryptoRoute::query)
        ImGui::TextWrapped("A query routed by its own digest met no key unless its bytes equal a key's (%d queries "
                           "here) or by a 2^-%d chance: this is the piece's method as written.",
                           r0.identical_queries, s.bits);
    ImGui::Text("output error vs dense attention: %.3f (relative L2, %s)", a.error_vs_dense,
                s.aggregate == CryptoAggregation::projection ? "projection fitted to dense, in-sample"
                : s.aggregate == CryptoAggregation::softmax  ? "softmax inside the bucket"
                                                             : "mean of the bucket's values");
    ImGui::Text("accumulators allocated: %zu (occupied buckets over %d round(s)); bucket splits %d", a.attention.slots,
                s.rounds, r0.splits);
    if (s.load_cap > 0)
        ImGui::Text("split above %d keys: %d leaf buckets, the fullest holding %d keys (the table: before splitting)",
                    s.load_cap, r0.occupied, r0.max_load);
    ImGui::PopTextWrapPos();
    ImGui::EndGroup();
}

void CryptoView::attack_page(AppState& state) {
    CryptoLab& lab = state.crypto;
    const CryptoAnalysis& a = *lab.analysis();
    ImGui::TextWrapped("With only b digest bits kept, whoever controls one token can push its key into any bucket by "
                       "trying perturbations of its lowest mantissa bits until the truncated digest matches: about "
                       "2^b digests. Here the attacker's key is moved into the victim query's bucket (one round, raw "
                       "floats, the current algorithm, bits, salt, route and aggregate).");
    ImGui::SetNextItemWidth(ImGui::GetFontSize() * 8.0f);
    ImGui::InputInt("victim query", &lab.attack.victim);
    ImGui::SameLine();
    ImGui::SetNextItemWidth(ImGui::GetFontSize() * 8.0f);
    ImGui::InputInt("attacker key", &lab.attack.attacker);
    lab.attack.victim = std::clamp(lab.attack.victim, 0, a.n - 1);
    lab.attack.attacker = std::clamp(lab.attack.attacker, 0, a.n - 1);
    const AttackProgress p = lab.attack_progress();
    ImGui::SameLine();
    if (p.running) {
        if (ImGui::Button("cancel")) lab.cancel_attack();
    } else if (ImGui::Button("run the search")) {
        lab.start_attack(state.result().sequence);
    }
    if (!p.error.empty()) ImGui::TextColored(kWarn, "%s", p.error.c_str());
    if (p.expected > 0) {
        char overlay[96];
        std::snprintf(overlay, sizeof overlay, "%llu tries of ~%.0f expected (target bucket %lld)",
                      (unsigned long long)p.tries, p.expected, (long long)p.target);
        ImGui::ProgressBar(float(std::min(double(p.tries) / p.expected, 1.0)), ImVec2(-1.0f, 0.0f), overlay);
    }
    if (!p.report && !p.running)
        ImGui::TextDisabled("Run the search: the bar fills towards 2^%d digests; the result shows the perturbation and "
                            "what it did to the victim's output.", a.settings.bits);
    if (!p.report || p.running) return;
    const AttackOutcome<double>& o = p.report->outcome;
    const CollisionResult& c = o.search;
    section("the last search");
    if (c.found)
        ImGui::Text("found after %llu digests (2^%d = %.0f expected): key moved from bucket %lld to %lld",
                    (unsigned long long)c.tries, a.settings.bits, c.expected_tries, (long long)c.original_bucket,
                    (long long)c.final_bucket);
    else
        ImGui::TextColored(kWarn, "not found: stopped after %llu of %llu digests", (unsigned long long)c.tries,
                           (unsigned long long)c.budget);
    ImGui::Text("perturbation: at most %lld ulp(s) per component (low %d mantissa bits), max relative change %.2e",
                (long long)p.report->max_ulps, c.mantissa_bits, c.max_relative_change);
    ImGui::Text("victim query's bucket %lld: %d key(s) before, %d after", (long long)o.victim_bucket,
                o.victim_keys_before, o.victim_keys_after);
    ImGui::Text("victim's output change: %.3f (||after - before|| / ||before||%s)", o.victim_change,
                o.victim_before.norm() > 0 ? "" : "; absolute: it was zero");

    std::vector<double> before(o.victim_before.begin(), o.victim_before.end());
    std::vector<double> after(o.victim_after.begin(), o.victim_after.end()), xs;
    double lo = 0.0, hi = 0.0;
    for (std::size_t j = 0; j < before.size(); ++j) {
        xs.push_back(double(j));
        lo = std::min({lo, before[j], after[j]});
        hi = std::max({hi, before[j], after[j]});
    }
    if (xs.size() < 2 || hi <= lo) return;
    plot::Axis x{0.0, double(xs.size() - 1)};
    x.label = "output component";
    plot::Axis y{lo, hi};
    y.label = "victim's output";
    const plot::Frame frame("victim output", ImVec2(ImGui::GetContentRegionAvail().x, ImGui::GetFontSize() * 14.0f), x, y);
    frame.line(xs, before, IM_COL32(90, 160, 230, 255));
    frame.line(xs, after, IM_COL32(230, 90, 80, 255));
    ImGui::TextColored(ImVec4(0.35f, 0.63f, 0.9f, 1.0f), "before");
    ImGui::SameLine();
    ImGui::TextColored(ImVec4(0.9f, 0.35f, 0.31f, 1.0f), "after the attacker's key joined the bucket");
}

void CryptoView::claims_page(AppState& state) {
    const CryptoAnalysis& a = *state.crypto.analysis();
    ImGui::TextWrapped("The piece's \"Benchmark Data\" table (its GB/TB read as GiB/TiB), each row checked against its "
                       "own preset, beside what it would require. Its 'speedup' is a ratio of two memory figures, not "
                       "a measured time.");
    const ImGuiTableFlags flags = ImGuiTableFlags_Borders | ImGuiTableFlags_RowBg | ImGuiTableFlags_SizingStretchProp;
    if (ImGui::BeginTable("claims", 6, flags)) {
        ImGui::TableSetupColumn("as written", ImGuiTableColumnFlags_WidthStretch, 2.4f);
        for (const char* h : {"= n x n fp16 matrices", "real KV cache", "hash bytes / token / layer / KV head",
                              "as a table of bucket means", "ratio"})
            ImGui::TableSetupColumn(h, ImGuiTableColumnFlags_WidthStretch, 1.6f);
        ImGui::TableHeadersRow();
        for (const ClaimCheck& c : a.claims) {
            ImGui::TableNextRow();
            ImGui::TableNextColumn();
            ImGui::TextWrapped("%s", c.claim.as_written.c_str());
            ImGui::TableNextColumn();
            ImGui::Text("%.2f", c.implied_score_matrices);
            ImGui::TableNextColumn();
            ImGui::Text("%s (%.1fx the claim)", bytes_text(c.kv_cache_bytes).c_str(), c.kv_cache_over_traditional);
            ImGui::TableNextColumn();
            ImGui::Text("%.2f B", c.hash_bytes_per_token_layer_kv_head);
            ImGui::TableNextColumn();
            ImGui::Text("2^%.1f buckets, %.1f tokens each", c.implied_table_bits, c.implied_tokens_per_bucket);
            ImGui::TableNextColumn();
            ImGui::Text("%.1f", c.memory_ratio);
        }
        ImGui::EndTable();
    }
    const ModelShape& m = a.model;
    section("computed here");
    ImGui::Text("%s: %d layers, %d heads, %d KV heads, head dim %d, %d-byte values; n = 128K; hash: %d bits, %d round(s)",
                m.name.c_str(), m.layers, m.heads, m.kv_heads, m.head_dim, m.dtype_bytes, a.settings.bits,
                a.settings.rounds);
    if (ImGui::BeginTable("memory", 3, flags)) {
        // All three stretch by weight: a fixed width beside one stretching column left the
        // assumption a letter wide in a narrow view.
        ImGui::TableSetupColumn("structure", ImGuiTableColumnFlags_WidthStretch, 2.2f);
        ImGui::TableSetupColumn("bytes", ImGuiTableColumnFlags_WidthStretch, 1.0f);
        ImGui::TableSetupColumn("assumption", ImGuiTableColumnFlags_WidthStretch, 5.0f);
        ImGui::TableHeadersRow();
        for (const MemoryLine& line : a.memory) {
            ImGui::TableNextRow();
            ImGui::TableNextColumn();
            ImGui::TextUnformatted(line.name.c_str());
            ImGui::TableNextColumn();
            ImGui::TextUnformatted(bytes_text(line.bytes).c_str());
            ImGui::TableNextColumn();
            ImGui::TextWrapped("%s", line.assumption.c_str());
        }
        ImGui::EndTable();
    }
    ImGui::TextDisabled("live run: %zu bucket accumulators over %d round(s) for %d tokens", a.attention.slots,
                        a.settings.rounds, a.n);
}

}  // namespace hashscope::gui

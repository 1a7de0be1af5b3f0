// What the app shows: the scene's parameters (data source, method, hashing) and everything computed
// from them in one immutable result, so a worker thread can build the next result while the views
// draw the last one. No GL or ImGui here: scenes are computed and tested headless.
#pragma once

#include <atomic>
#include <cstdint>
#include <memory>
#include <stop_token>
#include <string>
#include <vector>

#include "app/gui/bucket_collisions.hpp"
#include "core/angle_collisions.hpp"
#include "app/gui/gpu_twin.hpp"
#include "app/gui/heatmap.hpp"
#include "app/gui/memory_sweep.hpp"
#include "app/gui/token_grid.hpp"
#include "core/metrics.hpp"
#include "core/projection.hpp"
#include "core/reformer_attention.hpp"
#include "core/simhash.hpp"
#include "core/toy_sequences.hpp"

namespace hashscope::gui {

struct SceneParams {
    ToyParams toy;                   // defaults below: 256 tokens in 4 clusters, d = 64
    Method method = Method::reformer;
    ReformerConfig config;           // 4 rounds, 16 buckets, chunk 32
    std::uint64_t hash_seed = 1;     // Reformer rotations and SimHash planes
    int simhash_bits = 16;
    int top_k = 32;                  // keys per query for SimHash top-k; k of recall@k
    ComputeTarget target = ComputeTarget::cpu;  // gpu: Reformer also runs on the device (gpu_twin.hpp)
    // Non-null: the scene's data instead of the toy (a model head, model_lab.hpp); toy.n, d and dv
    // then follow its shape.
    std::shared_ptr<const ToySequence> data;
    std::string data_file;  // the .npy file `data` came from (npy_data.hpp); empty: a model head
};
SceneParams default_scene();

// Largest side of a heat-map image: past screen resolution cells are max-pooled.
inline constexpr int kMaxMapSide = 512;
// Reach mask colours (ImU32 layout: 0xAABBGGRR).
inline constexpr std::uint32_t kReachedColour = 0xFFE6A05Au;    // (90, 160, 230)
inline constexpr std::uint32_t kUnreachedColour = 0xFF241C1Cu;  // (28, 28, 36)

struct SceneResult {
    SceneParams params;
    ToySequence sequence;
    // Reformer's hashing of the keys (the scene shares Q and K, as Reformer does). Every method shows
    // it in the hashing views; with method reformer it is also the attention that runs.
    ReformerTrace<double> trace;
    std::vector<BucketLoad> loads;                   // per round
    std::vector<CollisionStats> collisions;          // per round, against the true top-recall_k
    TokenGrid token_grid;                            // per round: tokens coloured by bucket
    Projection2D projection;                         // keys on their principal plane (uncentred)
    std::vector<Matrix<double>> round_directions;    // per round: [2, n_buckets / 2] rotations on that plane
    double plane_share = 0.0;                        // fraction of the keys' energy inside that plane
    SimHashCodes codes;                              // the keys' SimHash signatures (simhash_bits)
    AngleCollisions angles;                          // those bits' agreement against the keys' angles
    // Per query, the sorted keys the method reaches; for dense, empty (every visible key).
    std::vector<std::vector<std::int32_t>> reached;
    bool reaches_all = false;
    PooledMap reach_map;                             // 1 where query row reaches key column
    // Dense vs the method: full softmax probabilities, the method's (full probabilities restricted to
    // reached keys and renormalised) and |difference|, each pooled; per query statistics.
    PooledMap full_map, method_map, diff_map;
    float map_scale = 0.0f;                          // max over the full and the method's map
    // The maps' colours (sqrt scale against map_scale; the reach mask blue on dark), built here so the
    // UI thread only uploads them: [full, method, diff, reach], each side x side, row-major.
    std::vector<std::uint32_t> map_rgba[4];
    int recall_k = 0;
    std::vector<double> recall, mass, rel_error;     // per query
    double mean_recall = 0.0, mean_mass = 0.0, mean_rel_error = 0.0;
    std::vector<MemoryItem> memory;                  // the method's buffers at this n
    std::vector<MemoryItem> dense_memory;            // dense scores at this n, for scale
    MemorySweep sweep;
    double seconds = 0.0;                            // wall time of the computation
    GpuComparison gpu;                               // with target gpu: the device run against its CPU twin
};

// Stages of compute_scene, for a progress bar: it stores the index of the one under way.
inline constexpr const char* kComputeSteps[] = {"toy sequence", "hashing", "full attention", "comparison",
                                                "projection", "done"};
inline constexpr int kComputeStepCount = 6;

// The parameters compute_scene runs with: with data, the data's n, d and dv, and the chunk lowered
// to the largest divisor of rounds x n (a prompt has any length).
SceneParams effective_scene(const SceneParams& requested);
// Throws InputError for effective parameters out of range (what compute_scene checks first).
void check_scene(const SceneParams& effective);

// Throws InputError for parameters out of range; returns early with an empty result (n == 0) when
// `stop` is requested, since the result would be discarded anyway. `reuse`: a trace no longer shown
// (an older result's) whose buffers the Reformer pass recomputes in place instead of allocating.
SceneResult compute_scene(const SceneParams& params, std::stop_token stop = {}, std::atomic<int>* step = nullptr,
                          ReformerTrace<double> reuse = {});

}  // namespace hashscope::gui

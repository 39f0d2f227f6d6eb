// Milliseconds per pass (forward, backward-data, backward-weights) of a 3x3,
// stride-1, "same" convolution, batch 32, in oneDNN's blocked layout for this
// CPU: petal's Winograd F(4x4, 3x3) (src/nn/winograd_conv.h) against oneDNN's
// direct convolution (and its Winograd where the CPU has one). Run capped
// (ONEDNN_MAX_CPU_ISA=AVX2) to see an AVX2 machine's paths; the counters give
// the direct-convolution GFLOP/s equivalent.
#include <benchmark/benchmark.h>

#include <memory>
#include <vector>

#include "nn/layer_plan.h"
#include "nn/winograd_conv.h"

namespace {

using namespace petal::detail;

enum class Pass { Forward, BackwardData, BackwardWeights };

struct Layer {
  int64_t batch, channels, size;
};

double flops(const Layer& l) { return 2.0 * l.batch * l.size * l.size * l.channels * l.channels * 9; }

memory::desc blocked(const Layer& l) {
  const Tag tag = cpu_level() == CpuLevel::Avx512 ? Tag::nChw16c : Tag::nChw8c;
  return memory::desc({l.batch, l.channels, l.size, l.size}, memory::data_type::f32, tag);
}

void petal_winograd(benchmark::State& state, Layer l, Pass pass) {
  const dnnl::engine engine(dnnl::engine::kind::cpu, 0);
  const memory::desc md = blocked(l);
  const ActivationView view = *activation_view(md);
  ScratchpadPool pool(engine);
  WinogradConv conv({l.batch, l.channels, l.channels, l.size, l.size, l.size, l.size, 1, 1}, view, view, engine,
                    true, pool);
  pool.finalize();
  Buffer x(md, engine), y(md, engine), dx(md, engine), dy(md, engine);
  std::vector<float> w(static_cast<size_t>(9 * l.channels * l.channels), 0.01f), dw(w.size());
  for (auto _ : state) {
    if (pass == Pass::Forward) conv.forward(x.data(), w.data(), nullptr, y.data(), TileOutput{});
    if (pass == Pass::BackwardData) conv.backward_data(dy.data(), w.data(), dx.data());
    if (pass == Pass::BackwardWeights) conv.backward_weights(x.data(), dy.data(), dw.data(), nullptr);
  }
  state.counters["GFLOP/s"] = benchmark::Counter(flops(l) * 1e-9, benchmark::Counter::kIsIterationInvariantRate);
}

void onednn(benchmark::State& state, Layer l, Pass pass, dnnl::algorithm alg) {
  const dnnl::engine engine(dnnl::engine::kind::cpu, 0);
  const memory::desc md = blocked(l);
  const memory::desc w_md({l.channels, l.channels, 3, 3}, memory::data_type::f32, Tag::any);
  const dnnl::convolution_forward::desc fd(dnnl::prop_kind::forward_training, alg, md, w_md, md, {1, 1}, {1, 1},
                                           {1, 1});
  std::unique_ptr<dnnl::convolution_forward::primitive_desc> fpd;
  try {
    fpd = std::make_unique<dnnl::convolution_forward::primitive_desc>(fd, engine);
  } catch (const dnnl::error&) {
    state.SkipWithError("oneDNN has no such kernel on this CPU");
    return;
  }
  Buffer x(md, engine), y(md, engine), w(fpd->weights_desc(), engine), other;
  dnnl::stream s(engine);
  dnnl::primitive prim;
  std::unordered_map<int, memory> args;
  if (pass == Pass::Forward) {
    prim = dnnl::convolution_forward(*fpd);
    args = {{DNNL_ARG_SRC, x.mem()}, {DNNL_ARG_WEIGHTS, w.mem()}, {DNNL_ARG_DST, y.mem()}};
  } else if (pass == Pass::BackwardData) {
    const dnnl::convolution_backward_data::primitive_desc pd({alg, md, w_md, md, {1, 1}, {1, 1}, {1, 1}}, engine,
                                                             *fpd);
    prim = dnnl::convolution_backward_data(pd);
    other = Buffer(pd.weights_desc(), engine);
    args = {{DNNL_ARG_DIFF_DST, y.mem()}, {DNNL_ARG_WEIGHTS, other.mem()},
            {DNNL_ARG_DIFF_SRC, x.mem()}};
  } else {
    const dnnl::convolution_backward_weights::primitive_desc pd({alg, md, w_md, md, {1, 1}, {1, 1}, {1, 1}},
                                                                engine, *fpd);
    prim = dnnl::convolution_backward_weights(pd);
    other = Buffer(pd.diff_weights_desc(), engine);
    args = {{DNNL_ARG_SRC, x.mem()}, {DNNL_ARG_DIFF_DST, y.mem()}, {DNNL_ARG_DIFF_WEIGHTS, other.mem()}};
  }
  for (auto _ : state) {
    prim.execute(s, args);
    s.wait();
  }
  state.counters["GFLOP/s"] = benchmark::Counter(flops(l) * 1e-9, benchmark::Counter::kIsIterationInvariantRate);
}

void register_all() {
  const Layer layers[] = {{32, 64, 64}, {32, 128, 32}, {32, 256, 16}, {32, 512, 8}, {32, 32, 64}};
  const std::pair<Pass, const char*> passes[] = {
      {Pass::Forward, "fwd"}, {Pass::BackwardData, "bwd_data"}, {Pass::BackwardWeights, "bwd_weights"}};
  for (const Layer& l : layers) {
    for (const auto& [pass, name] : passes) {
      const std::string shape = std::to_string(l.channels) + "ch_" + std::to_string(l.size) + "px/" + name;
      benchmark::RegisterBenchmark(("petal_winograd/" + shape).c_str(), petal_winograd, l, pass)
          ->Unit(benchmark::kMillisecond)->UseRealTime();
      benchmark::RegisterBenchmark(("onednn_direct/" + shape).c_str(), onednn, l, pass,
                                   dnnl::algorithm::convolution_direct)
          ->Unit(benchmark::kMillisecond)->UseRealTime();
      benchmark::RegisterBenchmark(("onednn_winograd/" + shape).c_str(), onednn, l, pass,
                                   dnnl::algorithm::convolution_winograd)
          ->Unit(benchmark::kMillisecond)->UseRealTime();
    }
  }
}

}  // namespace

int main(int argc, char** argv) {
  register_all();
  benchmark::Initialize(&argc, argv);
  benchmark::RunSpecifiedBenchmarks();
  return 0;
}

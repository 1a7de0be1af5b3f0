// llama.cpp's prefill of the 128 tokens bench_forward and the README use, through the npm package
// node-llama-cpp (prebuilt llama.cpp, CPU, 2 threads):
//   npm install node-llama-cpp && node tests/bench/llama_cpp_prefill.mjs MODEL.gguf
import {getLlama} from "node-llama-cpp";
const llama = await getLlama({gpu: false, build: "never"});
const model = await llama.loadModel({modelPath: process.argv[2]});
const context = await model.createContext({contextSize: 256, batchSize: 128, threads: 2});
const sequence = context.getSequence();
const tokens = [1];
for (let i = 1; i < 128; i++) tokens.push((i * 7919) % 32000);
for (let rep = 0; rep < 2; rep++) {
  await sequence.clearHistory();
  const t0 = performance.now();
  await sequence.evaluateWithoutGeneratingNewTokens(tokens);
  const ms = performance.now() - t0;
  console.log(`prefill 128 tokens: ${ms.toFixed(0)} ms (${(128000 / ms).toFixed(1)} tokens/s)`);
}

// llama.cpp's next-token probabilities on stories260K.gguf (greedy from BOS, 20 steps, top 5 each), via
// the npm package node-llama-cpp, printed as JSON for comparison with `hashscope capture` logits:
//   npm install node-llama-cpp && node tests/reference/llama_cpp_probabilities.mjs ../shared/models/gguf/stories260K.gguf
import {getLlama} from "node-llama-cpp";
const llama = await getLlama({gpu: false, build: "never"});
const model = await llama.loadModel({modelPath: process.argv[2]});
const context = await model.createContext({contextSize: 64, threads: 2});
const sequence = context.getSequence();
const out = [];
let n = 0;
for await (const step of sequence.evaluateWithMetadata([1], {probabilities: true}, {temperature: 0})) {
  const top = [...step.probabilities.entries()].sort((a, b) => b[1] - a[1]).slice(0, 5);
  out.push({token: step.token, top});
  if (++n >= 20) break;
}
console.log(JSON.stringify(out));

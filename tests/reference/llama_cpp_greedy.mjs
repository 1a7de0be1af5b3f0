// llama.cpp's greedy continuation of given token ids, via the npm package node-llama-cpp, printed as
// a JSON list of ids for comparison with hashscope (assets/models/MODEL_CARD.md records the result):
//   npm install node-llama-cpp && node tests/reference/llama_cpp_greedy.mjs MODEL.gguf STEPS ID...
import {getLlama} from "node-llama-cpp";
const [path, steps, ...prompt] = process.argv.slice(2);
const llama = await getLlama({gpu: false, build: "never"});
const model = await llama.loadModel({modelPath: path});
const context = await model.createContext({contextSize: 128, threads: 2});
const out = [];
for await (const token of context.getSequence().evaluate(prompt.map(Number), {temperature: 0})) {
  out.push(token);
  if (out.length >= Number(steps)) break;
}
console.log(JSON.stringify(out));

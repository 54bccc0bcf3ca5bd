import { Engine } from '../../src/engine/index.js';
import { trainingData, onlineData } from './data.js';
const engine = await Engine.create();
console.time('gen');
console.log(JSON.stringify(await trainingData(engine, 10_000_000)));
console.log(JSON.stringify(await onlineData(engine, 'serve_stats', 100_000)));
console.log(JSON.stringify(await onlineData(engine, 'mat_stats', 1_000_000)));
console.timeEnd('gen');
engine.close();

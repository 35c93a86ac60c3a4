// piscina worker entry: one task in, one partial profile out (structured-cloned back).
import { runTask, type Task } from './task.js';
import type { PartialState } from './partial.js';

export default function profileTask(task: Task): Promise<PartialState> {
  return runTask(task);
}

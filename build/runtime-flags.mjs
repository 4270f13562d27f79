// Node.js flags the program runs with, in both builds: the npm build puts them on its #! line, the
// standalone build in its single executable's execArgv. They only work at process start.
//
// V8's young generation grows to 64 MB while the terminal view draws frames back to back or a watch
// lists thousands of objects, and an idle `watch` would keep it resident for hours.
export const V8_FLAGS = ['--max-semi-space-size=16'];

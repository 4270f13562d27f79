// The Lua side of a health-check evaluation (src/health/lua.ts runs it in a fresh Lua 5.1 state per
// evaluation, as addon-controller opens a fresh gopher-lua state per object). Everything a script
// sees is built here: the sandboxed globals, the helpers libsveltos registers (base64Encode,
// base64Decode, getLabel, getAnnotation, getResource), the modules it preloads for `require`
// (json, strings, runes, sprig: the functions health scripts use, see MODULES below) and the
// instruction limit. The WebAssembly Lua has no way to call back into JavaScript, so the modules
// are written in Lua; a function Sveltos has and these do not fails with a message saying so.

/** Names of each preloaded module that Sveltos provides and the rehearsal does not. */
export const UNSUPPORTED_MODULE_FUNCTIONS: Record<string, readonly string[]> = {
  json: ['fromYAML', 'toYAML'],
  strings: [
    'ContainsFunc',
    'FieldsFunc',
    'IndexFunc',
    'LastIndexFunc',
    'Map',
    'TrimFunc',
    'TrimLeftFunc',
    'TrimRightFunc',
    'IndexRune',
    'ContainsRune',
    'IndexByte',
    'LastIndexByte',
  ],
  runes: [
    'bytestorune',
    'bytetostring',
    'containsrune',
    'iscontrol',
    'isgraphic',
    'isinrange',
    'ismark',
    'isnumber',
    'isprint',
    'ispunct',
    'issymbol',
    'istitle',
    'isvalidutf8',
    'reverserunes',
    'runeat',
    'runeindex',
    'runerange',
    'runeslice',
    'runesplit',
    'runestring',
    'runetobytes',
    'runewidth',
    'stringtobytes',
    'totitle',
    'validrune',
  ],
  sprig: [
    'abbrevboth',
    'adler32sum',
    'ago',
    'b32dec',
    'b32enc',
    'bcrypt',
    'camelcase',
    'decryptAES',
    'derivePassword',
    'duration',
    'durationRound',
    'encryptAES',
    'genPrivateKey',
    'htpasswd',
    'initials',
    'osBase',
    'osClean',
    'osDir',
    'osExt',
    'osIsAbs',
    'randInt',
    'regexFind',
    'regexFindAll',
    'regexMatch',
    'regexReplaceAll',
    'regexReplaceAllLiteral',
    'regexSplit',
    'semverCompare',
    'sha1sum',
    'sha256sum',
    'sha512sum',
    'shuffle',
    'swapcase',
    'toDecimal',
    'urlJoin',
    'urlParse',
    'wrap',
    'wrapWith',
  ],
};

/** Globals of gopher-lua's standard environment that the sandbox leaves out on purpose. */
const WITHHELD_GLOBALS = ['io', 'debug', 'dofile', 'loadfile', 'load', 'module', 'getfenv', 'setfenv', 'newproxy'];

// Go's strings package over byte strings; indexes are 0-based and -1 means "not found", as in Go.
const STRINGS = `
local M = {}
local find, sub, len, rep, gsub, upper, lower = string.find, string.sub, string.len, string.rep,
  string.gsub, string.upper, string.lower
local function plainfind(s, p, init) return find(s, p, init or 1, true) end
local function isspace(c) return c == " " or c == "\\t" or c == "\\n" or c == "\\r" or c == "\\v" or c == "\\f" end
function M.Compare(a, b) if a == b then return 0 elseif a < b then return -1 else return 1 end end
function M.Contains(s, p) return plainfind(s, p) ~= nil end
function M.ContainsAny(s, chars)
  for i = 1, len(chars) do if plainfind(s, sub(chars, i, i)) then return true end end
  return false
end
function M.Count(s, p)
  if p == "" then return len(s) + 1 end
  local n, i = 0, 1
  while true do
    local a, b = plainfind(s, p, i)
    if not a then return n end
    n, i = n + 1, b + 1
  end
end
function M.Cut(s, sep)
  local a, b = plainfind(s, sep)
  if not a then return { before = s, after = "", found = false } end
  return { before = sub(s, 1, a - 1), after = sub(s, b + 1), found = true }
end
function M.CutPrefix(s, p)
  if sub(s, 1, len(p)) == p then return { after = sub(s, len(p) + 1), found = true } end
  return { after = s, found = false }
end
function M.CutSuffix(s, p)
  if p == "" then return { before = s, found = true } end
  if sub(s, -len(p)) == p then return { before = sub(s, 1, len(s) - len(p)), found = true } end
  return { before = s, found = false }
end
function M.EqualFold(a, b) return lower(a) == lower(b) end
function M.Fields(s)
  local out = {}
  for w in string.gmatch(s, "[^ \\t\\n\\r\\v\\f]+") do out[#out + 1] = w end
  return out
end
function M.HasPrefix(s, p) return sub(s, 1, len(p)) == p end
function M.HasSuffix(s, p) return p == "" or sub(s, -len(p)) == p end
function M.Index(s, p) local a = plainfind(s, p) return a and a - 1 or -1 end
function M.IndexAny(s, chars)
  for i = 1, len(s) do if plainfind(chars, sub(s, i, i)) then return i - 1 end end
  return -1
end
function M.Join(t, sep) return table.concat(t, sep) end
function M.LastIndex(s, p)
  local last, i = -1, 1
  while true do
    local a = plainfind(s, p, i)
    if not a or a > len(s) + 1 then return last end
    last, i = a - 1, a + 1
  end
end
function M.LastIndexAny(s, chars)
  for i = len(s), 1, -1 do if plainfind(chars, sub(s, i, i)) then return i - 1 end end
  return -1
end
function M.Repeat(s, n) return rep(s, n) end
local function replace(s, old, new, n)
  if n == 0 or old == new then return s end
  local out, i, done = {}, 1, 0
  while n < 0 or done < n do
    local a, b
    if old == "" then
      if i > len(s) + 1 then break end
      a, b = i, i - 1
    else
      a, b = plainfind(s, old, i)
      if not a then break end
    end
    out[#out + 1] = sub(s, i, a - 1)
    out[#out + 1] = new
    if old == "" then out[#out + 1] = sub(s, a, a) i = a + 1 else i = b + 1 end
    done = done + 1
  end
  out[#out + 1] = sub(s, i)
  return table.concat(out)
end
function M.Replace(s, old, new, n) return replace(s, old, new, n) end
function M.ReplaceAll(s, old, new) return replace(s, old, new, -1) end
local function split(s, sep, n, after)
  if n == 0 then return {} end
  local out, i = {}, 1
  if sep == "" then
    for c = 1, len(s) do out[#out + 1] = sub(s, c, c) end
    return out
  end
  while n < 0 or #out < n - 1 do
    local a, b = plainfind(s, sep, i)
    if not a then break end
    out[#out + 1] = sub(s, i, after and b or a - 1)
    i = b + 1
  end
  out[#out + 1] = sub(s, i)
  return out
end
function M.Split(s, sep) return split(s, sep, -1, false) end
function M.SplitN(s, sep, n) return split(s, sep, n, false) end
function M.SplitAfter(s, sep) return split(s, sep, -1, true) end
function M.SplitAfterN(s, sep, n) return split(s, sep, n, true) end
function M.Title(s) return (gsub(s, "(%w)(%w*)", function(a, b) return upper(a) .. b end)) end
function M.ToLower(s) return lower(s) end
function M.ToUpper(s) return upper(s) end
function M.ToTitle(s) return upper(s) end
local function inset(chars) return function(c) return plainfind(chars, c) ~= nil end end
local function trimleft(s, test)
  local i = 1
  while i <= len(s) and test(sub(s, i, i)) do i = i + 1 end
  return sub(s, i)
end
local function trimright(s, test)
  local j = len(s)
  while j >= 1 and test(sub(s, j, j)) do j = j - 1 end
  return sub(s, 1, j)
end
function M.Trim(s, chars) return trimright(trimleft(s, inset(chars)), inset(chars)) end
function M.TrimLeft(s, chars) return trimleft(s, inset(chars)) end
function M.TrimRight(s, chars) return trimright(s, inset(chars)) end
function M.TrimSpace(s) return trimright(trimleft(s, isspace), isspace) end
function M.TrimPrefix(s, p) if p ~= "" and sub(s, 1, len(p)) == p then return sub(s, len(p) + 1) end return s end
function M.TrimSuffix(s, p) if p ~= "" and sub(s, -len(p)) == p then return sub(s, 1, len(s) - len(p)) end return s end
return M
`;

// encoding/json as glua-json does it: decode gives numbers as Lua numbers and null as nil;
// encode writes an empty table as [], a sequence as an array, string keys as an object with sorted
// keys (Go's map order), and refuses sparse arrays, mixed keys and cycles with its wording.
const JSON_MODULE = `
local M = {}
local byte, sub, char, format, find = string.byte, string.sub, string.char, string.format, string.find
local escapes = { ['"'] = '\\\\"', ["\\\\"] = "\\\\\\\\", ["\\b"] = "\\\\b", ["\\f"] = "\\\\f", ["\\n"] = "\\\\n",
  ["\\r"] = "\\\\r", ["\\t"] = "\\\\t", ["<"] = "\\\\u003c", [">"] = "\\\\u003e", ["&"] = "\\\\u0026" }
local function quote(s)
  return '"' .. string.gsub(s, '[%c"\\\\<>&]', function(c) return escapes[c] or format("\\\\u%04x", byte(c)) end) .. '"'
end
local function number(n)
  if n ~= n or n == math.huge or n == -math.huge then error("json: unsupported value: " .. tostring(n), 0) end
  if n == math.floor(n) and math.abs(n) < 1e21 then return format("%.0f", n) end
  for p = 15, 17 do
    local s = format("%." .. p .. "g", n)
    if tonumber(s) == n then return s end
  end
end
local function encode(v, seen)
  local t = type(v)
  if t == "nil" then return "null"
  elseif t == "boolean" then return tostring(v)
  elseif t == "number" then return number(v)
  elseif t == "string" then return quote(v)
  elseif t ~= "table" then error("cannot encode " .. t .. " to JSON", 0) end
  if seen[v] then error("cannot encode recursively nested tables to JSON", 0) end
  seen[v] = true
  local k = next(v)
  if k == nil then return "[]" end
  local out = {}
  if type(k) == "number" then
    local n = 0
    for key in pairs(v) do
      if type(key) ~= "number" then error("cannot encode mixed or invalid key types", 0) end
      n = n + 1
    end
    for i = 1, n do
      if v[i] == nil then error("cannot encode sparse array", 0) end
      out[i] = encode(v[i], seen)
    end
    return "[" .. table.concat(out, ",") .. "]"
  elseif type(k) == "string" then
    local keys = {}
    for key in pairs(v) do
      if type(key) ~= "string" then error("cannot encode mixed or invalid key types", 0) end
      keys[#keys + 1] = key
    end
    table.sort(keys)
    for i, key in ipairs(keys) do out[i] = quote(key) .. ":" .. encode(v[key], seen) end
    return "{" .. table.concat(out, ",") .. "}"
  end
  error("cannot encode mixed or invalid key types", 0)
end
function M.encode(v)
  local ok, res = pcall(encode, v, {})
  if ok then return res end
  return nil, res
end

local function decoder(s)
  local i = 1
  local function fail(what) error(format("invalid character %s at offset %d", what, i - 1), 0) end
  local function ws() i = find(s, "[^ \\t\\r\\n]", i) or #s + 1 end
  local value
  local function str()
    local out, start = {}, i + 1
    i = start
    while true do
      local a = find(s, '["\\\\%c]', i)
      if not a then error("unexpected end of JSON input", 0) end
      out[#out + 1] = sub(s, i, a - 1)
      local c = sub(s, a, a)
      if c == '"' then i = a + 1 return table.concat(out) end
      if c ~= "\\\\" then i = a fail("in string literal") end
      local e = sub(s, a + 1, a + 1)
      local simple = ({ ['"'] = '"', ["\\\\"] = "\\\\", ["/"] = "/",
        b = "\\b", f = "\\f", n = "\\n", r = "\\r", t = "\\t" })[e]
      if simple then out[#out + 1] = simple i = a + 2
      elseif e == "u" then
        local code = tonumber(sub(s, a + 2, a + 5), 16)
        if not code then i = a fail("in \\\\u hexadecimal character escape") end
        i = a + 6
        if code >= 0xD800 and code < 0xDC00 and sub(s, i, i + 1) == "\\\\u" then
          local low = tonumber(sub(s, i + 2, i + 5), 16)
          if low and low >= 0xDC00 and low < 0xE000 then
            code = 0x10000 + (code - 0xD800) * 0x400 + (low - 0xDC00)
            i = i + 6
          end
        end
        if code < 0x80 then out[#out + 1] = char(code)
        elseif code < 0x800 then out[#out + 1] = char(0xC0 + math.floor(code / 64), 0x80 + code % 64)
        elseif code < 0x10000 then
          out[#out + 1] = char(0xE0 + math.floor(code / 4096), 0x80 + math.floor(code / 64) % 64, 0x80 + code % 64)
        else
          out[#out + 1] = char(0xF0 + math.floor(code / 262144), 0x80 + math.floor(code / 4096) % 64,
            0x80 + math.floor(code / 64) % 64, 0x80 + code % 64)
        end
      else i = a + 1 fail("in string escape code") end
    end
  end
  function value()
    ws()
    local c = sub(s, i, i)
    if c == "{" then
      local t = {}
      i = i + 1 ws()
      if sub(s, i, i) == "}" then i = i + 1 return t end
      while true do
        ws()
        if sub(s, i, i) ~= '"' then fail("looking for beginning of object key string") end
        local k = str()
        ws()
        if sub(s, i, i) ~= ":" then fail("after object key") end
        i = i + 1
        t[k] = value()
        ws()
        c = sub(s, i, i)
        i = i + 1
        if c == "}" then return t end
        if c ~= "," then i = i - 1 fail("after object key:value pair") end
      end
    elseif c == "[" then
      local t, n = {}, 0
      i = i + 1 ws()
      if sub(s, i, i) == "]" then i = i + 1 return t end
      while true do
        n = n + 1
        t[n] = value()
        ws()
        c = sub(s, i, i)
        i = i + 1
        if c == "]" then return t end
        if c ~= "," then i = i - 1 fail("after array element") end
      end
    elseif c == '"' then return str()
    elseif sub(s, i, i + 3) == "true" then i = i + 4 return true
    elseif sub(s, i, i + 4) == "false" then i = i + 5 return false
    elseif sub(s, i, i + 3) == "null" then i = i + 4 return nil
    end
    local a, b = find(s, "^-?%d+%.?%d*[eE]?[-+]?%d*", i)
    if not a then
      if i > #s then error("unexpected end of JSON input", 0) end
      fail("looking for beginning of value")
    end
    local n = tonumber(sub(s, a, b))
    if n == nil then fail("in numeric literal") end
    i = b + 1
    return n
  end
  return function()
    local v = value()
    ws()
    if i <= #s then fail("after top-level value") end
    return v
  end
end
function M.decode(s)
  if type(s) ~= "string" then error("bad argument #1 to decode (string expected, got " .. type(s) .. ")", 2) end
  local ok, res = pcall(decoder(s))
  if ok then return res end
  return nil, res
end
return M
`;

// The ASCII part of glua-runes' Unicode helpers.
const RUNES = `
local M = {}
local function utf8len(s)
  local _, n = string.gsub(s, "[^\\128-\\191]", "")
  return n
end
function M.runecount(s) return utf8len(s) end
function M.isdigit(c) return string.find(c, "^%d") ~= nil end
function M.isletter(c) return string.find(c, "^%a") ~= nil end
function M.isspace(c) return string.find(c, "^%s") ~= nil end
function M.islower(c) return string.find(c, "^%l") ~= nil end
function M.isupper(c) return string.find(c, "^%u") ~= nil end
function M.tolower(s) return string.lower(s) end
function M.toupper(s) return string.upper(s) end
return M
`;

// Sprig's text and list helpers, as Sveltos's glua-sprig exposes them.
const SPRIG = `
local M = {}
local sub, len, rep, gsub, upper, lower = string.sub, string.len, string.rep, string.gsub, string.upper, string.lower
function M.b64enc(s) return __b64enc(s) end
function M.b64dec(s) local v = __b64dec(s) if v == nil then return "" end return v end
function M.abbrev(width, s)
  if width < 4 or len(s) <= width then return s end
  return sub(s, 1, width - 3) .. "..."
end
function M.base(p) if p == "" then return "." end p = gsub(p, "/+$", "") if p == "" then return "/" end
  return (string.match(p, "[^/]*$")) end
function M.dir(p)
  local d = string.match(p, "^(.*)/[^/]*$")
  if d == nil then return "." end
  if d == "" then return "/" end
  return d
end
function M.ext(p) return string.match(p, "(%.[^./]*)$") or "" end
function M.clean(p) return p end
function M.isAbs(p) return sub(p, 1, 1) == "/" end
function M.cat(...)
  local out = {}
  for i = 1, select("#", ...) do local v = select(i, ...) if v ~= nil then out[#out + 1] = tostring(v) end end
  return table.concat(out, " ")
end
function M.empty(v)
  if v == nil or v == false or v == 0 or v == "" then return true end
  if type(v) == "table" then return next(v) == nil end
  return false
end
function M.coalesce(...)
  for i = 1, select("#", ...) do local v = select(i, ...) if not M.empty(v) then return v end end
  return nil
end
function M.all(...)
  for i = 1, select("#", ...) do if M.empty((select(i, ...))) then return false end end
  return true
end
function M.any(...)
  for i = 1, select("#", ...) do if not M.empty((select(i, ...))) then return true end end
  return false
end
function M.compact(t)
  local out = {}
  for _, v in ipairs(t) do if not M.empty(v) then out[#out + 1] = v end end
  return out
end
function M.uniq(t)
  local out, seen = {}, {}
  for _, v in ipairs(t) do if not seen[v] then seen[v] = true out[#out + 1] = v end end
  return out
end
function M.sortAlpha(t)
  local out = {}
  for i, v in ipairs(t) do out[i] = tostring(v) end
  table.sort(out)
  return out
end
function M.indent(n, s) local pad = rep(" ", n) return pad .. gsub(s, "\\n", "\\n" .. pad) end
function M.nindent(n, s) return "\\n" .. M.indent(n, s) end
function M.nospace(s) return (gsub(s, "%s", "")) end
function M.trunc(n, s)
  if n < 0 then if len(s) + n > 0 then return sub(s, len(s) + n + 1) end return s end
  return sub(s, 1, n)
end
function M.substr(a, b, s)
  if a < 0 then return sub(s, 1, b) end
  if b < 0 or b > len(s) then return sub(s, a + 1) end
  return sub(s, a + 1, b)
end
function M.quote(...)
  local out = {}
  for i = 1, select("#", ...) do
    local v = select(i, ...)
    if v ~= nil then
      local q = gsub(tostring(v), "\\\\", "\\\\\\\\")
      q = gsub(q, '"', '\\\\"')
      out[#out + 1] = '"' .. q .. '"'
    end
  end
  return table.concat(out, " ")
end
function M.squote(...)
  local out = {}
  for i = 1, select("#", ...) do
    local v = select(i, ...)
    if v ~= nil then out[#out + 1] = "'" .. tostring(v) .. "'" end
  end
  return table.concat(out, " ")
end
function M.plural(one, many, n) if n == 1 then return one end return many end
function M.ternary(a, b, cond) if cond then return a end return b end
function M.round(x, places, half)
  local m = 10 ^ (places or 0)
  half = half or 0.5
  local v = x * m
  local f = math.floor(v)
  if v - f >= half then f = f + 1 end
  return f / m
end
function M.seq(...)
  local n = select("#", ...)
  local a, step, b = 1, 1, nil
  if n == 1 then b = ... elseif n == 2 then a, b = ... else a, step, b = ... end
  if b < a and step > 0 then step = -1 end
  local out = {}
  for i = a, b, step do out[#out + 1] = tostring(i) end
  return table.concat(out, " ")
end
local function words(s)
  local out = {}
  s = gsub(s, "(%l)(%u)", "%1 %2")
  for w in string.gmatch(s, "[%w]+") do out[#out + 1] = lower(w) end
  return out
end
function M.snakecase(s) return table.concat(words(s), "_") end
function M.kebabcase(s) return table.concat(words(s), "-") end
function M.untitle(s) return (gsub(s, "(%w)(%w*)", function(a, b) return lower(a) .. b end)) end
return M
`;

const MODULES: Record<string, string> = { json: JSON_MODULE, strings: STRINGS, runes: RUNES, sprig: SPRIG };

function luaString(s: string): string {
  return `"${s.replace(/[\\"\n\r\0]/g, (c) => `\\${c === '\n' ? 'n' : c === '\r' ? 'r' : c === '\0' ? '0' : c}`)}"`;
}

function luaNames(names: readonly string[]): string {
  return `{ ${names.map((n) => `[${luaString(n)}] = true`).join(', ')} }`;
}

/**
 * The chunk run first in every fresh state. It is called with (script, objectChunk, metricsChunk,
 * now, maxHookCalls, hookInterval): the script and the two data chunks already compiled (the data
 * as table constructors), and it returns one string: the outcome, then the fields it needs.
 */
export const PRELUDE = `
local script, objectChunk, metricsChunk, now, maxHookCalls, hookInterval, memoryKB = ...
local sethook, real_time, real_date, real_loadstring = debug.sethook, os.time, os.date, loadstring
local cocreate, cowrap = coroutine.create, coroutine.wrap
local type, rawget, pairs = type, rawget, pairs

-- Scripts compare with the string metatable's functions; none may replace them for the others.
getmetatable("").__metatable = false

local calls, exceeded, overMemory = 0, false, false
-- The sentinels src/health/lua.ts recognises; the first error after a limit ends the run.
local LIMIT, MEMORY = "kubectl-promotion: instruction limit", "kubectl-promotion: memory limit"
local gcount = collectgarbage
local maxKB = gcount("count") + memoryKB
local function hook()
  calls = calls + 1
  if not exceeded and gcount("count") > maxKB then overMemory = true end
  if calls > maxHookCalls or exceeded or overMemory then
    -- From now on every instruction fails: a script cannot swallow the error with pcall and go on.
    exceeded = true
    sethook(hook, "", 1)
    error(overMemory and MEMORY or LIMIT, 0)
  end
end

local env = {}
for _, name in ipairs({ "assert", "error", "ipairs", "next", "pairs", "pcall", "rawequal", "rawget",
  "rawset", "select", "setmetatable", "getmetatable", "tonumber", "tostring", "type", "unpack",
  "xpcall", "_VERSION", "collectgarbage" }) do
  env[name] = _G[name]
end
local function copy(t) local c = {} for k, v in pairs(t) do c[k] = v end return c end
env.string, env.table, env.math = copy(string), copy(table), copy(math)
env.coroutine = copy(coroutine)
-- Hooks belong to a coroutine in Lua 5.1: each new one gets the instruction limit too.
env.coroutine.create = function(f)
  local co = cocreate(f)
  sethook(co, hook, "", exceeded and 1 or hookInterval)
  return co
end
env.coroutine.wrap = function(f)
  local co = env.coroutine.create(f)
  return function(...)
    local r = { coroutine.resume(co, ...) }
    if not r[1] then error(r[2], 0) end
    return select(2, unpack(r))
  end
end
env.os = {
  clock = os.clock,
  difftime = os.difftime,
  time = function(t) if t == nil and now ~= nil then return now end return real_time(t) end,
  date = function(fmt, t) return real_date(fmt, t or now) end,
}
env.print = function() end
env.loadstring = function(chunk, name)
  local f, err = real_loadstring(chunk, name)
  if f then setfenv(f, env) end
  return f, err
end

-- libsveltos's helpers (lib/lua/methods.go).
local function field(o, section, key)
  local metadata = rawget(o, "metadata")
  if type(metadata) ~= "table" then return nil end
  local values = rawget(metadata, section)
  if type(values) ~= "table" then return nil end
  local v = rawget(values, key)
  if type(v) ~= "string" then return nil end
  return v
end
local function twoArgs(name, f)
  return function(...)
    if select("#", ...) ~= 2 then return nil, "expected 2 arguments (table, key)" end
    local t, key = ...
    if type(t) ~= "table" then error("bad argument #1 to " .. name .. " (table expected, got " .. type(t) .. ")", 2) end
    if type(key) ~= "string" and type(key) ~= "number" then
      error("bad argument #2 to " .. name .. " (string expected, got " .. type(key) .. ")", 2)
    end
    return f(t, tostring(key))
  end
end
env.getLabel = twoArgs("getLabel", function(o, key) return field(o, "labels", key) end)
env.getAnnotation = twoArgs("getAnnotation", function(o, key) return field(o, "annotations", key) end)
env.getResource = twoArgs("getResource", function(t, key) return rawget(t, key) end)

local B64 = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"
local B64INDEX = {}
for i = 1, 64 do B64INDEX[string.byte(B64, i)] = i - 1 end
local function b64enc(s)
  local out = {}
  for i = 1, #s, 3 do
    local a, b, c = string.byte(s, i, i + 2)
    local n = a * 65536 + (b or 0) * 256 + (c or 0)
    local chars = {}
    for j = 3, 0, -1 do
      local k = math.floor(n / 64 ^ j) % 64
      chars[#chars + 1] = string.sub(B64, k + 1, k + 1)
    end
    if not b then chars[3], chars[4] = "=", "=" elseif not c then chars[4] = "=" end
    out[#out + 1] = table.concat(chars)
  end
  return table.concat(out)
end
local function b64dec(s)
  if #s % 4 ~= 0 or string.find(s, "[^%w+/=]") or string.find(s, "=[^=]") then return nil end
  local out = {}
  for i = 1, #s, 4 do
    local n, pad = 0, 0
    for j = i, i + 3 do
      local ch = string.byte(s, j)
      if ch == 61 then pad = pad + 1 n = n * 64 else n = n * 64 + B64INDEX[ch] end
    end
    local bytes = string.char(math.floor(n / 65536) % 256, math.floor(n / 256) % 256, n % 256)
    out[#out + 1] = string.sub(bytes, 1, 3 - pad)
  end
  return table.concat(out)
end
env.base64Encode = function(s)
  if type(s) ~= "string" and type(s) ~= "number" then
    error("bad argument #1 to base64Encode (string expected, got " .. type(s) .. ")", 2)
  end
  s = tostring(s)
  if s == "" then return nil, "provided string is empty" end
  return b64enc(s)
end
env.base64Decode = function(s)
  if type(s) ~= "string" and type(s) ~= "number" then
    error("bad argument #1 to base64Decode (string expected, got " .. type(s) .. ")", 2)
  end
  s = tostring(s)
  if s == "" then return nil, "provided string is empty" end
  local v = b64dec(s)
  if v == nil then return nil, "deconding failed" end
  return v
end

-- require: only the modules Sveltos preloads; each is built on first use, in this environment.
local SOURCES = { ${Object.entries(MODULES)
  .map(([name, src]) => `[${luaString(name)}] = ${luaString(src)}`)
  .join(',\n  ')} }
local UNSUPPORTED = { ${Object.entries(UNSUPPORTED_MODULE_FUNCTIONS)
  .map(([name, fns]) => `[${luaString(name)}] = ${luaNames(fns)}`)
  .join(',\n  ')} }
local loaded = {}
local function missing(module)
  return function(t, k)
    if UNSUPPORTED[module][k] then
      error(module .. "." .. tostring(k) .. " is not provided by kubectl-promotion's Lua sandbox " ..
        "(Sveltos has it; see the README's Health checks section)", 2)
    end
    return nil
  end
end
env.require = function(name)
  if loaded[name] then return loaded[name] end
  local src = SOURCES[name]
  if not src then
    error("module '" .. tostring(name) .. "' not found: the Lua sandbox preloads only json, strings, runes " ..
      "and sprig, as Sveltos does", 2)
  end
  local f = assert(real_loadstring(src, "=" .. name))
  local moduleEnv = setmetatable({ __b64enc = b64enc, __b64dec = b64dec }, { __index = env })
  setfenv(f, moduleEnv)
  local m = setmetatable(f(), { __index = missing(name) })
  loaded[name] = m
  return m
end

local WITHHELD = ${luaNames(WITHHELD_GLOBALS)}
setmetatable(env, { __index = function(_, k)
  if WITHHELD[k] then
    error(tostring(k) .. " is not available in the health-check sandbox (no files, processes or debug " ..
      "access in a rehearsal)", 2)
  end
  return nil
end })
env.os = setmetatable(env.os, { __index = function(_, k)
  error("os." .. tostring(k) .. " is not available in the health-check sandbox (only os.time, os.date, " ..
    "os.clock and os.difftime)", 2)
end })
env._G = env

setfenv(objectChunk, {})
setfenv(metricsChunk, {})
local obj = objectChunk()
env.metrics = metricsChunk()
setfenv(script, env)

sethook(hook, "", hookInterval)
local ok, a, b = pcall(function()
  script()
  env.obj = obj
  local evaluate = rawget(env, "evaluate")
  if type(evaluate) ~= "function" then return "noevaluate", type(evaluate) end
  local result = evaluate(obj)
  if type(result) ~= "table" then return "nottable", type(result) end
  return "ok", result
end)
if not ok then
  if type(a) == "string" then return "error\\n" .. a end
  return "error\\n(error object is a " .. type(a) .. " value)"
end
if a ~= "ok" then return a end
local healthy, message = rawget(b, "healthy"), rawget(b, "message")
if healthy ~= nil and type(healthy) ~= "boolean" then return "badhealthy\\n" .. type(healthy) end
if message ~= nil and type(message) ~= "string" then return "badmessage\\n" .. type(message) end
return "ok\\n" .. (healthy and "1" or "0") .. "\\n" .. (message or "")
`;

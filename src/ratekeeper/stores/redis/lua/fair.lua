-- fair shares between the clients that spend a budget (_algorithms.Shares, mirrored here).
--
-- Reserve's argument before the generation is '<mode><client id>': mode '+' the call may be
-- deferred (priority 0 or below, allowed to wait), '-' it is only counted (a charge, a higher
-- priority, a call that may not wait). Per budget KEY, a hash '<tag>r:<rest of KEY>' (the
-- same hash tag, so the same cluster slot; not a budget key, so `status` skips it) holds:
--   k       the index of the period counted (floor((now - offset) / period); offset: a fixed
--           window's, 0 for the others)
--   f       that period's fair share, from the period before (-1: nobody is rationed)
--   s       the store time the period's counting began (its first busy request)
--   g:<id>  units granted to client <id> in the period; w:<id> seconds it waited for them
--           (the union of its waits: u:<id> is the latest end of one counted)
-- Shares are counted and enforced only while a request finds its budget at least FAIR_BUSY
-- full (its cost included), and only for windowed limits of a period up to FAIR_MAX_PERIOD.

local FAIR_ARG = ARGV[NKEYS + 2]
local FAIR_MAY_DEFER = string.sub(FAIR_ARG, 1, 1) == '+'
local FAIR_ID = string.sub(FAIR_ARG, 2)

local function fair_applies(a, period)
  return a ~= 'q' and period <= FAIR_MAX_PERIOD
end

-- _algorithms.Shares.roll's fair_level over the hash of the period before, which ended at
-- `period_end`
local function fair_level(flat, capacity, period, period_end)
  local got, waited, n = {}, {}, 0
  local began = -math.huge
  for i = 1, #flat, 2 do
    local f = flat[i]
    local kind, id = string.sub(f, 1, 2), string.sub(f, 3)
    if kind == 'g:' then
      got[id] = tonumber(flat[i + 1])
      n = n + 1
    elseif kind == 'w:' then
      waited[id] = tonumber(flat[i + 1])
    elseif f == 's' then
      began = tonumber(flat[i + 1])
    end
  end
  if n < 2 then
    return -1
  end
  local lowest = period * 1e-3
  local span = math.min(period_end - began, period)
  local demands = {}
  for id, g in pairs(got) do
    demands[#demands + 1] = g * period / math.max(span - (waited[id] or 0.0), lowest)
  end
  table.sort(demands)
  local left = capacity
  for i = 1, #demands do
    local d = demands[i]
    if d * n <= left then
      left = left - d
      n = n - 1
    else
      return left / n
    end
  end
  return -1
end

-- A wait of this client from `now` until `until_t` on one counted budget (`c`: {fkey, cost,
-- index, the latest end of a wait counted}), as Shares.count: only the part after its waits
-- counted before
local function fair_wait(c, now, until_t)
  local added = until_t - math.max(now, c[4])
  if added > 0 then
    redis.call('HINCRBYFLOAT', c[1], 'w:' .. FAIR_ID, string.format('%.17g', added))
    redis.call('HSET', c[1], 'u:' .. FAIR_ID, string.format('%.17g', until_t))
    c[4] = until_t
  end
end

-- The shares of the busy budgets `busy` (lists of {key, a, capacity, period, offset, cost,
-- item index}): each one's hash rolled to the current period. Returns what to count once the
-- request is granted, and a deferral reply <next period, now, 2, binding> when the caller may
-- be deferred and is over its share of one of them (the latest next period wins).
local function fair_check(busy, now, max_wait)
  local counted, full, until_t, binding = {}, {}, nil, 0
  for j = 1, #busy do
    local b = busy[j]
    local key, a, capacity, period, offset = b[1], b[2], b[3], b[4], b[5]
    local cut = string.find(key, '}:', 1, true)
    local fkey = string.sub(key, 1, cut + 1) .. 'r:' .. string.sub(key, cut + 2)
    local off = 0.0 -- _algorithms.Shares.period_of, with the store's epoch 0
    if a == 'f' then
      off = offset
    end
    local k = math.floor((now + 0.0 - off) / period)
    local m = redis.call('HMGET', fkey, 'k', 'f', 'g:' .. FAIR_ID, 'u:' .. FAIR_ID)
    local level, got, busy = -1, 0.0, -math.huge
    local was = tonumber(m[1])
    if was == k then
      level, got, busy = tonumber(m[2]), tonumber(m[3]) or 0.0, tonumber(m[4]) or -math.huge
    else
      if was == k - 1 then
        level = fair_level(redis.call('HGETALL', fkey), capacity, period, k * period + off - 0.0)
      end
      redis.call('DEL', fkey)
      redis.call('HSET', fkey, 'k', string.format('%.17g', k), 'f', string.format('%.17g', level), 's',
        string.format('%.17g', now))
      redis.call('PEXPIRE', fkey, math.ceil((2 * period + 1) * 1000))
    end
    counted[j] = { fkey, b[6], b[7], busy }
    if level >= 0 and got + b[6] > level then
      full[#full + 1] = counted[j]
    end
    if FAIR_MAY_DEFER and level >= 0 and got > 0 and got + b[6] > (1.0 + FAIR_SLACK) * level then
      local nxt = (k + 1) * period + off - 0.0
      while math.floor((nxt + 0.0 - off) / period) <= k do
        nxt = nxt + math.max(math.abs(nxt) * 2.220446049250313e-16, 5e-324)
      end
      if until_t == nil or nxt > until_t then
        until_t, binding = nxt, b[7]
      end
    end
  end
  if until_t ~= nil and (max_wait ~= max_wait or until_t - now <= max_wait) then
    -- the deferral is waiting: the client wants more of every budget it would take past its
    -- share (the one it is deferred for, and those of the request it spends as much of; not
    -- one it spends little of, which holds nobody back)
    for j = 1, #full do
      fair_wait(full[j], now, until_t)
    end
    return counted, struct.pack('<dddd', until_t, now, 2, binding)
  end
  return counted, nil
end

-- A granted request: its units on every busy budget, and its wait from `now` until its
-- start (`waits[j]`, nil: none) on the budget that set that start: a budget that did not hold
-- it back saw no demand (a process waiting for its orders budget wants no more of the weight
-- beside it, even while that weight is full)
local function fair_count(counted, waits, now)
  for j = 1, #counted do
    local fkey, cost = counted[j][1], counted[j][2]
    if cost > 0 then
      redis.call('HINCRBYFLOAT', fkey, 'g:' .. FAIR_ID, string.format('%.17g', cost))
    end
    local until_t = waits[j]
    if until_t ~= nil then
      fair_wait(counted[j], now, until_t)
    end
  end
end

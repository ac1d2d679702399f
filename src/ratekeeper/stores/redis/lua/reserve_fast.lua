-- reserve, the common case, without loading whole states: every item admitted now
-- (MemoryStore.take_many_locked when every take_now succeeds). Each item's take_now is done
-- on its stored value in place, reading only what take_now reads:
--   sliding  the last entry and the trailer, then the entries around the head
--   fixed    the hash of windows (one or two fields and the ban)
--   token    the TAT and the ban;  quota  the used units, the cap and the ban
-- Only when every item fits is anything written. Otherwise (one does not fit, a budget is
-- named twice, an expiry that rebases the totals, a coarsening) nothing is written and the
-- full path below decides as _algorithms.py does, at the same `now` (FAST_NOW). So does
-- every budget a loss of state may still fill (LOST, generation.lua).

local function fast_sliding(key, cap, period, cost, now, margin, room)
  local tail = redis.call('GETRANGE', key, -48, -1)
  if #tail == 0 then
    if 0.0 + cost > room then
      return nil
    end
    return function()
      redis.call('SET', key, struct.pack('<dddddd', now, 0.0 + cost, 1, 0, -math.huge, now + period + margin),
        'PX', math.ceil((period + margin) * 1000))
    end, 0.0 + cost
  end
  if #tail ~= 48 then
    return nil -- a ban with no entries: the full path
  end
  local last_t, last_c, n, head, blocked, expires = struct.unpack('<dddddd', tail)
  if now < blocked or last_t > now then
    return nil
  end
  -- entries lo .. hi-1 (0-based) around the head; entry j starts at byte 16*(j-lo)+1
  local lo = head
  if head > 0 then
    lo = head - 1
  end
  local hi = math.min(lo + 17, n)
  local chunk = redis.call('GETRANGE', key, 16 * lo, 16 * hi - 1)
  local h = head
  local ht = struct.unpack('<d', chunk, 16 * (h - lo) + 1)
  if ht + period <= now then
    while h < n and ht + period <= now do
      h = h + 1
      if h < n then
        if h >= hi then
          return nil
        end
        ht = struct.unpack('<d', chunk, 16 * (h - lo) + 1)
      end
    end
    if h * 2 >= n then
      return nil -- the expired prefix is dropped and the totals rebased: full path
    end
  end
  local base = 0.0
  if h > 0 then
    local _
    _, base = struct.unpack('<dd', chunk, 16 * (h - 1 - lo) + 1)
  end
  if (last_c - base) + cost > room then
    return nil
  end
  local at, count = 16 * n, n + 1 -- append a new entry...
  if math.floor(now / (period * RESOLUTION)) == math.floor(last_t / (period * RESOLUTION)) then
    at, count = 16 * (n - 1), n -- ...or merge into the last one, moved to now
  elseif n + 1 - h > MAX_ENTRIES then
    return nil
  end
  local renew = expires < now + period + margin / 2
  if renew then
    expires = now + period + margin
  end
  return function()
    redis.call('SETRANGE', key, at, struct.pack('<dddddd', now, last_c + cost, count, h, blocked, expires))
    if renew then
      redis.call('PEXPIRE', key, math.ceil((period + margin) * 1000))
    end
  end, (last_c - base) + cost
end

local function fast_fixed(key, cap, period, offset, cost, now, margin, room)
  local flat = redis.call('HGETALL', key)
  local k = math.floor((now - offset) / period)
  local used, blocked, top, old = nil, -math.huge, nil, {}
  for i = 1, #flat, 2 do
    local f, v = flat[i], tonumber(flat[i + 1])
    if f == 'b' then
      blocked = v
    else
      local j = tonumber(f)
      if j == k then
        used = v
      elseif j < k then
        old[#old + 1] = f
      end
      if top == nil or j > top then
        top = j
      end
    end
  end
  if now < blocked then
    return nil
  end
  local fresh = used == nil
  if fresh then
    used = 0.0
  else
    old = {} -- take_now drops older windows only when it opens a new one
  end
  if used + cost > room then
    return nil
  end
  return function()
    redis.call('HSET', key, string.format('%.17g', k), string.format('%.17g', used + cost))
    if #old > 0 then
      redis.call('HDEL', key, unpack(old))
    end
    if fresh then
      local horizon = math.max(blocked, (math.max(k, top or k) + 1) * period + offset)
      redis.call('PEXPIRE', key, math.ceil((math.max(horizon - now, 0.0) + margin) * 1000))
    end
  end, used + cost
end

local function fast_token(key, capacity, cap, period, cost, now, margin)
  local got = redis.call('HMGET', key, 't', 'b')
  local tat = tonumber(got[1]) or -math.huge
  local blocked = tonumber(got[2]) or -math.huge
  local interval = period / capacity
  local t = math.max(now, blocked)
  if tat ~= -math.huge then
    t = math.max(t, tat + (cost - cap) * interval)
  end
  if t > now then
    return nil
  end
  tat = math.max(tat, now) + cost * interval
  return function()
    redis.call('HSET', key, 't', string.format('%.17g', tat))
    redis.call('PEXPIRE', key, math.ceil((math.max(math.max(tat, blocked) - now, 0.0) + margin) * 1000))
  end, (tat - now) / interval
end

local function fast_quota(key, capacity, cap, cost, now)
  local got = redis.call('HMGET', key, 'u', 'c', 'b')
  local used = tonumber(got[1]) or 0.0
  local base = tonumber(got[2]) or capacity
  local blocked = tonumber(got[3]) or -math.huge
  if now < blocked or used + cost > (base * (math.min(cap, capacity) / capacity)) * (1.0 + TOL) + TOL then
    return nil
  end
  return function()
    redis.call('HSET', key, 'u', string.format('%.17g', used + cost))
    redis.call('PEXPIRE', key, math.ceil(QUOTA_IDLE * 1000))
  end, 0.0
end

do
  local given, max_wait, margin = struct.unpack('<ddd', ARGV[1])
  FAST_NOW = given
  if given ~= given then
    local tm = redis.call('TIME')
    FAST_NOW = tonumber(tm[1]) + tonumber(tm[2]) / 1000000
  end
  if not (max_wait < 0) then -- a negative max_wait only asks when: it never books
    local now = FAST_NOW
    local writes, seen, busy = {}, {}, {}
    for i = 1, NKEYS do
      local key = KEYS[i]
      local a, capacity, cap, period, offset, cost = struct.unpack('<c1dddddd', ARGV[i + 1])
      local room = cap * (1.0 + TOL) + TOL
      local write, used = nil, 0.0
      if LOST ~= nil and (a == 'q' or now < LOST + period) then
        seen[key] = true -- a budget that may be filled after a loss: the full path
      elseif not seen[key] then
        seen[key] = true
        if a == 's' then
          write, used = fast_sliding(key, cap, period, cost, now, margin, room)
        elseif a == 'f' then
          write, used = fast_fixed(key, cap, period, offset, cost, now, margin, room)
        elseif a == 't' then
          write, used = fast_token(key, capacity, cap, period, cost, now, margin)
        else
          write, used = fast_quota(key, capacity, cap, cost, now)
        end
      end
      if write == nil then
        writes = nil
        break
      end
      writes[i] = write
      if used >= FAIR_BUSY * capacity and fair_applies(a, period) then
        busy[#busy + 1] = { key, a, capacity, period, offset, cost, i - 1 }
      end
    end
    if writes ~= nil then
      local counted, deferral = nil, nil
      if #busy > 0 then
        counted, deferral = fair_check(busy, now, max_wait)
        if deferral ~= nil then
          return deferral
        end
      end
      for i = 1, #writes do
        writes[i]()
      end
      if counted ~= nil then
        fair_count(counted, {}, now)
      end
      return struct.pack('<d', now)
    end
  end
end

-- ratekeeper: the decision core of src/ratekeeper/_algorithms.py, mirrored in Lua.
--
-- Every function here follows its Python twin line by line (same comparisons, same order of
-- floating-point operations), so the Redis store decides exactly what the memory and SQLite
-- stores decide; tests/test_store_vectors.py runs one table of vectors against all three.
-- Python positions are 0-based; Lua arrays are 1-based: Python's a[p] is a[p + 1] here.
--
-- The loader (redis.py) prepends the constants TOL, MAX_ENTRIES and RESOLUTION (read from
-- _algorithms.py), QUOTA_IDLE and the variable FAST_NOW (set by reserve_fast.lua, which comes
-- before this file in reserve's script), then generation.lua (MARKER, NKEYS and LOST: the
-- last key is the prefix's generation marker, not a budget), and appends one entry script
-- (reserve.lua, refund.lua, rebook.lua, observe.lua or snapshot.lua).
--
-- Storage (one key per (limit, scope); the algorithm letter is part of the key name):
--   sliding  a string: entries <time, running total> (16 bytes each), then the trailer
--            <n, head, blocked_until, expires_at>; all little-endian doubles. expires_at is
--            the store time the key's TTL was last set to cover (the fast path renews the
--            TTL only when it runs short)
--   fixed    a hash: window index -> units, "b" -> blocked_until
--   token    a hash: "t" -> theoretical arrival time, "b" -> blocked_until
--   quota    a hash: "u" -> used, "c" -> cap, "n" -> next trickle slot, "b" -> blocked_until;
--            kept QUOTA_IDLE seconds after its last write (time does not reset it)
-- Numbers in hashes are written with %.17g, which reads back as the same double.

local INF, NINF = math.huge, -math.huge
local floor, ceil, mmax, mmin = math.floor, math.ceil, math.max, math.min
local spack, sunpack, tunpack = struct.pack, struct.unpack, unpack
local rcall = redis.call
local tinsert, concat = table.insert, table.concat
local fmt = string.format

local ULP, TINY = 2.220446049250313e-16, 5e-324 -- 2^-52 and the smallest double
local ITEM = '<c1dddddd' -- algorithm, capacity, cap (for this priority), period, offset, cost, at
local TRAILER = '<dddd' -- the sliding string's last 32 bytes: n, head, blocked_until, expires_at

local function fits(used, cost, cap)
  return used + cost <= cap * (1.0 + TOL) + TOL
end

local function num(x)
  return fmt('%.17g', x)
end

local function store_now(given)
  if FAST_NOW ~= nil then
    return FAST_NOW -- reserve's fast section already read it
  end
  -- the caller's time (tests drive it with a fake clock); NaN means "the server's TIME"
  if given == given then
    return given
  end
  local tm = rcall('TIME')
  return tonumber(tm[1]) + tonumber(tm[2]) / 1000000
end

local function parse_item(arg)
  local a, capacity, cap, period, offset, cost, at = sunpack(ITEM, arg)
  return { a = a, capacity = capacity, cap = cap, period = period, offset = offset, cost = cost, at = at }
end

-- Python's bisect.bisect_right / bisect_left over a[lo+1 .. hi]; lo, hi and the result are
-- 0-based positions.
local function bisect_right(a, x, lo, hi)
  while lo < hi do
    local mid = floor((lo + hi) / 2)
    if x < a[mid + 1] then
      hi = mid
    else
      lo = mid + 1
    end
  end
  return lo
end

local function bisect_left(a, x, lo, hi)
  while lo < hi do
    local mid = floor((lo + hi) / 2)
    if a[mid + 1] < x then
      lo = mid + 1
    else
      hi = mid
    end
  end
  return lo
end

-- ---------------------------------------------------------------------------------------
-- sliding
-- ---------------------------------------------------------------------------------------

local function sliding_load(key)
  local st = { kind = 's', t = {}, c = {}, head = 0, b = NINF, dirty = false }
  local blob = rcall('GET', key)
  if not blob then
    return st
  end
  local n
  n, st.head, st.b = sunpack(TRAILER, blob, #blob - 31)
  local t, c = st.t, st.c
  local pos = 1
  for i = 1, n do
    t[i], c[i], pos = sunpack('<dd', blob, pos)
  end
  return st
end

local function sliding_save(key, st, now, period, margin)
  local t, c = st.t, st.c
  local n = #t
  local horizon = st.b
  if n > 0 then
    horizon = mmax(t[n], horizon)
  end
  if horizon == NINF then
    rcall('DEL', key) -- nothing booked, not blocked: the same as no state at all
    return
  end
  local ttl = mmax(horizon - now, 0.0) + period + margin
  local parts = {}
  for i = 1, n do
    parts[i] = spack('<dd', t[i], c[i])
  end
  parts[n + 1] = spack(TRAILER, n, st.head, st.b, now + ttl)
  rcall('SET', key, concat(parts), 'PX', ceil(ttl * 1000))
end

local function cum_le(st, x)
  local i = bisect_right(st.t, x, 0, #st.t)
  if i > 0 then
    return st.c[i]
  end
  return 0.0
end

local function total(st)
  local n = #st.c
  if n > 0 then
    return st.c[n]
  end
  return 0.0
end

-- the first 0-based position in [lo, hi) with c[k + 1] >= need (hi if none), probing
-- lo, lo+1, lo+3, lo+7, ... first; mirrors _gallop
local function gallop(c, need, lo, hi)
  local step = 1
  while true do
    local probe = lo + step - 1
    if probe >= hi or c[probe + 1] >= need then
      return bisect_left(c, need, lo, mmin(probe + 1, hi))
    end
    lo = probe + 1
    step = step * 2
  end
end

-- the first 0-based position >= lo whose entry still counts at t (time + period > t);
-- mirrors _live_from: t - period only seeds the search, the exact boundary settles it
local function live_from(times, lo, t, period)
  local n = #times
  local i = bisect_right(times, t - period, lo, n)
  while i > lo and times[i] + period > t do
    i = i - 1
  end
  while i < n and times[i + 1] + period <= t do
    i = i + 1
  end
  return i
end

local function sliding_expire(st, now, period)
  local t = st.t
  local head = st.head
  local n = #t
  while head < n and t[head + 1] + period <= now do
    head = head + 1
  end
  if head ~= st.head then
    st.dirty = true
  end
  st.head = head
  if head > 0 and head * 2 >= n then
    -- drop the expired prefix and rebase the running totals so they stay small
    local c = st.c
    local base = c[head]
    local nt, nc = {}, {}
    for i = head + 1, n do
      nt[i - head] = t[i]
      nc[i - head] = c[i] - base
    end
    st.t, st.c, st.head = nt, nc, 0
  end
end

local function sliding_coarsen(st, now)
  local head = st.head
  local t, c = st.t, st.c
  local n = #t
  local past_end = bisect_right(t, now, head, n)
  local span = floor((past_end - head) / 2)
  if span < 2 then
    return
  end
  local stop = head + span
  local keep = {}
  for k = head + 1, stop - 1, 2 do
    keep[#keep + 1] = k
  end
  if #keep == 0 or keep[#keep] ~= stop - 1 then
    keep[#keep + 1] = stop - 1
  end
  local nt, nc = {}, {}
  for i = 1, head do
    nt[i], nc[i] = t[i], c[i]
  end
  for _, k in ipairs(keep) do
    nt[#nt + 1], nc[#nc + 1] = t[k + 1], c[k + 1]
  end
  for i = stop + 1, n do
    nt[#nt + 1], nc[#nc + 1] = t[i], c[i]
  end
  st.t, st.c = nt, nc
end

local function sliding_take_now(st, now, cost, cap, period)
  if now < st.b then
    return false
  end
  local t = st.t
  if #t > 0 then
    if t[#t] > now then
      return false
    end
    if t[st.head + 1] + period <= now then
      sliding_expire(st, now, period)
      t = st.t
    end
  end
  local c = st.c
  local n = #t
  local tot, used = 0.0, 0.0
  if n > 0 then
    tot = c[n]
    used = tot
    if st.head > 0 then
      used = tot - c[st.head]
    end
  end
  if used + cost > cap * (1.0 + TOL) + TOL then
    return false
  end
  st.dirty = true
  if n > 0 and math.floor(now / (period * RESOLUTION)) == math.floor(t[n] / (period * RESOLUTION)) then
    t[n] = now
    c[n] = tot + cost
  else
    t[n + 1] = now
    c[n + 1] = tot + cost
    if n + 1 - st.head > MAX_ENTRIES then
      sliding_coarsen(st, now)
    end
  end
  return true
end

-- a forward-only sweep; mirrors sliding_earliest in _algorithms.py step for step. The
-- entries ahead are kept in a monotone queue of positions aq[qh..qt] with loads aw[...]
local function sliding_earliest(st, now, frm, cost, cap, period)
  sliding_expire(st, now, period)
  local t = mmax(frm, st.b)
  local limit = cap * (1.0 + TOL) + TOL
  if cost > limit then
    return INF
  end
  local times, cums = st.t, st.c
  local n = #times
  local head = st.head
  local le = bisect_right(times, t, head, n)
  if le == n and le == head then
    return t
  end
  local lv = live_from(times, head, t, period)
  local room = limit - cost
  local aq, aw, qh, qt = {}, {}, 1, 0
  local nxt = le
  local q = lv
  while true do
    while le < n and times[le + 1] <= t do
      le = le + 1
    end
    while lv < le and times[lv + 1] + period <= t do
      lv = lv + 1
    end
    while qh <= qt and aq[qh] < le do
      qh = qh + 1
    end
    if nxt < le then
      nxt = le
    end
    if q < lv then
      q = lv
    end
    local stop = t + period
    while nxt < n and times[nxt + 1] < stop do
      local a = times[nxt + 1]
      while q < nxt and times[q + 1] + period <= a do
        q = q + 1
      end
      local w = cums[nxt + 1]
      if q > 0 then
        w = w - cums[q]
      end
      while qt >= qh and aw[qt] <= w do
        qt = qt - 1
      end
      qt = qt + 1
      aq[qt], aw[qt] = nxt, w
      nxt = nxt + 1
    end
    local below, upto = 0.0, 0.0
    if lv > 0 then
      below = cums[lv]
    end
    if le > 0 then
      upto = cums[le]
    end
    if upto - below > room then
      local k = gallop(cums, upto - room, lv, le)
      if k >= le then
        k = le - 1
      end
      t = times[k + 1] + period
    elseif qh <= qt and aw[qh] > room then
      t = times[aq[qh] + 1]
    else
      return t
    end
  end
end

local function sliding_commit(st, at, cost)
  local t, c = st.t, st.c
  local n = #t
  st.dirty = true
  if n == 0 or at > t[n] then
    local base = 0.0
    if n > 0 then
      base = c[n]
    end
    t[n + 1] = at
    c[n + 1] = base + cost
  elseif at == t[n] then
    c[n] = c[n] + cost
  else
    local i = bisect_left(t, at, st.head, n)
    if i < n and t[i + 1] == at then
      for k = i + 1, n do
        c[k] = c[k] + cost
      end
    else
      local base = 0.0
      if i > 0 then
        base = c[i]
      end
      tinsert(t, i + 1, at)
      tinsert(c, i + 1, base)
      for k = i + 1, n + 1 do
        c[k] = c[k] + cost
      end
    end
  end
  if #t - st.head > MAX_ENTRIES then
    sliding_coarsen(st, at)
  end
  return at
end

local function sliding_refund(st, now, at, amount, period)
  if at + period <= now then
    return
  end
  local t, c = st.t, st.c
  local n = #t
  local i = bisect_left(t, at, st.head, n)
  if i >= n then
    return
  end
  local prev = 0.0
  if i > 0 then
    prev = c[i]
  end
  local take = mmin(amount, c[i + 1] - prev)
  if take <= 0 then
    return
  end
  st.dirty = true
  for k = i + 1, n do
    c[k] = c[k] - take
  end
end

local function sliding_used(st, now, period)
  sliding_expire(st, now, period)
  local c = st.c
  local lv = live_from(st.t, st.head, now, period)
  local below = 0.0
  if lv > 0 then
    below = c[lv]
  end
  return cum_le(st, now) - below, total(st) - cum_le(st, now)
end

-- ---------------------------------------------------------------------------------------
-- hashes: fixed, token, quota
-- ---------------------------------------------------------------------------------------

local function hash_load(key, kind)
  local st = { kind = kind, b = NINF, dirty = false }
  local flat = rcall('HGETALL', key)
  if kind == 'f' then
    st.w = {}
  elseif kind == 't' then
    st.tat = NINF
  else
    st.u, st.n = 0.0, NINF
  end
  for i = 1, #flat, 2 do
    local f, v = flat[i], tonumber(flat[i + 1])
    if f == 'b' then
      st.b = v
    elseif kind == 'f' then
      st.w[tonumber(f)] = v
    elseif f == 't' then
      st.tat = v
    elseif f == 'u' then
      st.u = v
    elseif f == 'c' then
      st.cap = v
    elseif f == 'n' then
      st.n = v
    end
  end
  return st
end

local function window_index(t, period, offset)
  return floor((t - offset) / period)
end

-- the start of window k, nudged up where rounding would place it in window k - 1;
-- mirrors _window_start
local function window_start(k, period, offset)
  local t = k * period + offset
  while window_index(t, period, offset) < k do
    t = t + mmax(math.abs(t) * ULP, TINY)
  end
  return t
end

local function fixed_earliest(st, now, frm, cost, cap, period, offset)
  local w = st.w
  local current = window_index(now, period, offset)
  for k in pairs(w) do
    if k < current then
      w[k] = nil
      st.dirty = true
    end
  end
  local t = mmax(frm, st.b)
  if cost > cap * (1.0 + TOL) + TOL then
    return INF
  end
  local k = window_index(t, period, offset)
  while not fits(w[k] or 0.0, cost, cap) do
    k = k + 1
    t = window_start(k, period, offset)
  end
  return t
end

local function token_earliest(st, frm, cost, cap, capacity, period)
  local interval = period / capacity
  local t = mmax(frm, st.b)
  if st.tat == NINF then
    return t
  end
  return mmax(t, st.tat + (cost - cap) * interval)
end

local function token_level(st, now, capacity, period)
  local interval = period / capacity
  if st.tat == NINF then
    return 0.0
  end
  return mmax(0.0, st.tat - now) / interval
end

local function quota_allowance(st, cap, capacity)
  local base = capacity
  if st.cap ~= nil then
    base = st.cap
  end
  return base * (cap / capacity)
end

local function hash_save(key, st, now, it, margin)
  local kind = st.kind
  local fields = {}
  local horizon = st.b
  if st.b ~= NINF then
    fields[#fields + 1] = 'b'
    fields[#fields + 1] = num(st.b)
  end
  if kind == 'f' then
    local top = nil
    for k, v in pairs(st.w) do
      fields[#fields + 1] = num(k)
      fields[#fields + 1] = num(v)
      if top == nil or k > top then
        top = k
      end
    end
    if top ~= nil then
      horizon = mmax(horizon, (top + 1) * it.period + it.offset)
    end
  elseif kind == 't' then
    if st.tat ~= NINF then
      fields[#fields + 1] = 't'
      fields[#fields + 1] = num(st.tat)
      horizon = mmax(horizon, st.tat)
    end
  else
    fields[#fields + 1] = 'u'
    fields[#fields + 1] = num(st.u)
    if st.cap ~= nil then
      fields[#fields + 1] = 'c'
      fields[#fields + 1] = num(st.cap)
    end
    if st.n ~= NINF then
      fields[#fields + 1] = 'n'
      fields[#fields + 1] = num(st.n)
    end
  end
  rcall('DEL', key)
  if #fields == 0 then
    return
  end
  rcall('HSET', key, tunpack(fields))
  if kind == 'q' then
    -- a quota is a cumulative allowance: it is kept as long as it is in use
    rcall('PEXPIRE', key, ceil(QUOTA_IDLE * 1000))
  else
    -- a fixed window is empty once it ends, a bucket once its TAT passes
    rcall('PEXPIRE', key, ceil((mmax(horizon - now, 0.0) + margin) * 1000))
  end
end

-- ---------------------------------------------------------------------------------------
-- dispatch
-- ---------------------------------------------------------------------------------------

local function load_state(key, kind)
  if kind == 's' then
    return sliding_load(key)
  end
  return hash_load(key, kind)
end

local function save_state(key, st, now, it, margin)
  if st.kind == 's' then
    sliding_save(key, st, now, it.period, margin)
  else
    hash_save(key, st, now, it, margin)
  end
end

local function earliest(st, it, now, frm)
  local kind = st.kind
  if kind == 's' then
    return sliding_earliest(st, now, frm, it.cost, it.cap, it.period)
  elseif kind == 'f' then
    return fixed_earliest(st, now, frm, it.cost, it.cap, it.period, it.offset)
  elseif kind == 't' then
    return token_earliest(st, frm, it.cost, it.cap, it.capacity, it.period)
  end
  local t = mmax(frm, st.b)
  if fits(st.u, it.cost, quota_allowance(st, it.cap, it.capacity)) then
    return t
  end
  return mmax(t, st.n)
end

-- how many points a search over this state can stop at: a bound on decide's passes
local function events(st)
  local kind = st.kind
  if kind == 's' then
    return 2 * (#st.t - st.head) + 2
  elseif kind == 'f' then
    local count = 0
    for _ in pairs(st.w) do
      count = count + 1
    end
    return count + 2
  end
  return 2
end

-- a time from which this item's limit admits its cost at every later instant; mirrors horizon
local function horizon(st, it)
  local kind = st.kind
  local t = st.b
  if kind == 's' then
    if #st.t > st.head then
      t = mmax(t, st.t[#st.t] + it.period)
    end
  elseif kind == 'f' then
    local top = nil
    for k in pairs(st.w) do
      if top == nil or k > top then
        top = k
      end
    end
    if top ~= nil then
      t = mmax(t, window_start(top + 1, it.period, it.offset))
    end
  elseif kind == 't' then
    if st.tat ~= NINF then
      t = mmax(t, st.tat + (it.cost - it.cap) * (it.period / it.capacity))
    end
  else
    t = mmax(t, st.n)
  end
  return t
end

local function commit(st, it, at)
  local kind = st.kind
  st.dirty = true
  if kind == 's' then
    return sliding_commit(st, at, it.cost)
  elseif kind == 'f' then
    local k = window_index(at, it.period, it.offset)
    st.w[k] = (st.w[k] or 0.0) + it.cost
  elseif kind == 't' then
    st.tat = mmax(st.tat, at) + it.cost * (it.period / it.capacity)
  else
    if not fits(st.u, it.cost, quota_allowance(st, mmin(it.cap, it.capacity), it.capacity)) then
      st.n = mmax(st.n, at) + it.cost * it.period
    end
    st.u = st.u + it.cost
  end
  return at
end

local function refund(st, it, now)
  local kind = st.kind
  local amount, at = it.cost, it.at
  if amount <= 0 then
    return
  end
  if kind == 's' then
    sliding_refund(st, now, at, amount, it.period)
  elseif kind == 'f' then
    local k = window_index(at, it.period, it.offset)
    if st.w[k] ~= nil then
      st.w[k] = mmax(0.0, st.w[k] - amount)
      st.dirty = true
    end
  elseif kind == 't' then
    local interval = it.period / it.capacity
    if st.tat > now then
      st.tat = mmax(now, st.tat - amount * interval)
      st.dirty = true
    end
  else
    st.u = mmax(0.0, st.u - amount)
    st.dirty = true
  end
end

-- the take_now / untake pair of each state class: admit now or leave the state as it was
local function take_now(st, it, now)
  local kind = st.kind
  if kind == 's' then
    return sliding_take_now(st, now, it.cost, it.cap, it.period)
  elseif kind == 'f' then
    if now < st.b then
      return false
    end
    local w = st.w
    local k = window_index(now, it.period, it.offset)
    local used = w[k]
    if used == nil then
      for j in pairs(w) do
        if j < k then
          w[j] = nil
          st.dirty = true
        end
      end
      used = 0.0
    end
    if used + it.cost > it.cap * (1.0 + TOL) + TOL then
      return false
    end
    w[k] = used + it.cost
    st.dirty = true
    return true
  elseif kind == 't' then
    if token_earliest(st, now, it.cost, it.cap, it.capacity, it.period) > now then
      return false
    end
    commit(st, it, now)
    return true
  end
  if now < st.b then
    return false
  end
  if not fits(st.u, it.cost, quota_allowance(st, mmin(it.cap, it.capacity), it.capacity)) then
    return false
  end
  st.u = st.u + it.cost
  st.dirty = true
  return true
end

local function untake(st, it, now)
  if st.kind == 's' then
    st.c[#st.c] = st.c[#st.c] - it.cost
    return
  end
  local at = it.at
  it.at = now
  refund(st, it, now)
  it.at = at
end

local function observe(st, it, now, used, remaining, reset_after, ocap, blocked_for)
  -- NaN stands for "not said"; mirrors _algorithms.observe
  if blocked_for == blocked_for and blocked_for > 0 then
    st.b = mmax(st.b, now + blocked_for)
    st.dirty = true
  end
  local kind = st.kind
  local capacity = it.capacity
  if kind == 'q' then
    if ocap == ocap and ocap > 0 then
      st.cap = ocap
      st.dirty = true
    end
    if used ~= used and remaining == remaining then
      local base = capacity
      if st.cap ~= nil then
        base = st.cap
      end
      used = base - remaining
    end
    if used == used then
      st.u = mmax(st.u, used)
      st.dirty = true
    end
    return
  end
  local cap = capacity
  if ocap == ocap and ocap > 0 then
    cap = ocap
  end
  if used ~= used and remaining == remaining then
    used = cap - remaining
  end
  if used ~= used or used <= 0 then
    return
  end
  used = used * (capacity / cap)
  if kind == 's' then
    local mine = sliding_used(st, now, it.period)
    if used > mine + TOL then
      sliding_commit(st, now, used - mine)
    end
  elseif kind == 'f' then
    local k = window_index(now, it.period, it.offset)
    st.w[k] = mmax(st.w[k] or 0.0, used)
    st.dirty = true
  else
    local interval = it.period / capacity
    if used > token_level(st, now, capacity, it.period) + TOL then
      st.tat = now + used * interval
      if reset_after == reset_after and reset_after > 0 then
        st.tat = mmax(st.tat, now + mmin(reset_after, it.period))
      end
      st.dirty = true
    end
  end
end

local function snapshot(st, it, now)
  local kind = st.kind
  local used, reserved
  if kind == 's' then
    used, reserved = sliding_used(st, now, it.period)
  elseif kind == 'f' then
    local k = window_index(now, it.period, it.offset)
    used, reserved = st.w[k] or 0.0, 0.0
    for j, v in pairs(st.w) do
      if j > k then
        reserved = reserved + v
      end
    end
  elseif kind == 't' then
    used, reserved = token_level(st, now, it.capacity, it.period), 0.0
  else
    used, reserved = st.u, 0.0
  end
  it.cost = mmin(1.0, it.capacity)
  local nxt = earliest(st, it, now, now)
  local cap = 0 / 0 -- NaN: the limit's own capacity
  if kind == 'q' and st.cap ~= nil then
    cap = st.cap
  end
  return used, reserved, mmax(0.0, nxt - now), mmax(0.0, st.b - now), cap
end

-- The earliest common start of every item: raise t to each limit's earliest until all agree
-- (a fixed point); the bound is a guard, and past it the horizon is a common start. Mirrors
-- the loop of _algorithms.decide. Returns t and the 0-based index of the binding item.
local function common_start(items, states, now)
  local n = #items
  local t, binding = now, 0
  local rounds = 4
  for i = 1, n do
    rounds = rounds + events(states[i])
  end
  for _ = 1, rounds do
    local moved = false
    for i = 1, n do
      local s = earliest(states[i], items[i], now, t)
      if s > t then
        t = s
        binding = i - 1
        moved = true
      end
    end
    if not moved then
      return t, binding
    end
  end
  for i = 1, n do
    local s = horizon(states[i], items[i])
    if s > t then
      t = s
      binding = i - 1
    end
  end
  return t, binding
end

-- Book every item at t and pack the granted reply <t, now, 1, binding, placed…>
local function book_all(items, states, t, now, binding)
  local out = { spack('<dddd', t, now, 1, binding) }
  for i = 1, #items do
    out[i + 1] = spack('<d', commit(states[i], items[i], t))
  end
  return concat(out)
end

-- Load every key's state once (a key named twice shares one state), run `body`, and (with
-- `persist`) save what changed, unless `body` returns false as a second value. Returns
-- what `body` returns first.
-- ---------------------------------------------------------------------------------------
-- a lost state (generation.lua): every budget taken as full from LOST until what the venue
-- counted before it has left its window, or the venue's own count replaces the fill;
-- mirrors _algorithms.fill_until / fill / unfill
-- ---------------------------------------------------------------------------------------

local function fill_until(st, it, lost)
  local kind = st.kind
  if kind == 'f' then
    return window_start(window_index(lost, it.period, it.offset) + 1, it.period, it.offset)
  elseif kind == 'q' then
    return INF -- a quota does not refill with time: until the venue says what is left
  end
  return lost + it.period
end

local function resynced(key)
  return rcall('HEXISTS', MARKER, 'r:' .. key) == 1
end

local function fill(st, it, key, now)
  if st.kind == 'q' then
    local base = it.capacity
    if st.cap ~= nil then
      base = st.cap
    end
    if st.u < base and not resynced(key) then
      st.u = base
      st.dirty = true
    end
    return
  end
  local t = fill_until(st, it, LOST)
  if t <= now or st.b >= t or resynced(key) then
    return
  end
  st.b = t
  st.dirty = true
end

-- the venue's count replaces the fill of this budget (observe.lua, before observe)
local function resync(st, it, key, now)
  local t = fill_until(st, it, LOST)
  if t <= now or resynced(key) then
    return
  end
  rcall('HSET', MARKER, 'r:' .. key, '1')
  if st.kind == 'q' then
    st.u = 0.0
  elseif st.b == t then
    st.b = NINF
  end
  st.dirty = true
end

local function with_states(head_arg, body, persist)
  local given, max_wait, margin = sunpack('<ddd', head_arg)
  local now = store_now(given)
  local items, states, by_key = {}, {}, {}
  for i = 1, NKEYS do
    local it = parse_item(ARGV[i + 1])
    local key = KEYS[i]
    local st = by_key[key]
    if st == nil then
      st = load_state(key, it.a)
      if LOST ~= nil then
        fill(st, it, key, now)
      end
      by_key[key] = st
    end
    items[i], states[i] = it, st
  end
  local out, keep = body(items, states, now, max_wait)
  if not persist or keep == false then
    return out
  end
  local saved = {}
  for i = 1, NKEYS do
    local key, st = KEYS[i], states[i]
    if st.dirty and not saved[key] then
      saved[key] = true
      save_state(key, st, now, items[i], margin)
    end
  end
  return out
end

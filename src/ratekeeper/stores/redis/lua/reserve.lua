-- reserve: KEYS = one state key per item; ARGV[1] = <now, max_wait, ttl margin> (NaN: none),
-- ARGV[1 + i] = item i (see ITEM), then the fair-share argument (fair.lua). The two steps a
-- Limiter takes with a MemoryStore: take_many_locked (every item admitted now, or none:
-- untake what was taken), then reserve_locked (the earliest common start over all items,
-- booked all or nothing). A negative max_wait skips the first step: it reports the start and
-- books nothing. Before anything is booked, a caller over its fair share of a busy budget
-- may be deferred (fair.lua): nothing is booked then.
-- Returns one string of little-endian doubles:
--   <now>                                   every item admitted now (placed at now)
--   <start, now, granted, binding, placed…>  otherwise (no placed times when not granted;
--                                           granted 2: deferred to start, nothing booked)

-- the budgets of `items` that are rationed; with `fitted`, only those at least FAIR_BUSY full
local function busy_items(items, states, now, fitted)
  local busy = {}
  for i = 1, NKEYS do
    local it = items[i]
    if fair_applies(it.a, it.period) then
      local used = FAIR_BUSY * it.capacity
      if fitted then
        local st = states[i]
        if st.kind == 's' then
          local u, r = sliding_used(st, now, it.period)
          used = u + r
        elseif st.kind == 'f' then
          used = st.w[window_index(now, it.period, it.offset)] or 0.0
        else
          used = token_level(st, now, it.capacity, it.period)
        end
      end
      if used >= FAIR_BUSY * it.capacity then
        busy[#busy + 1] = { KEYS[i], it.a, it.capacity, it.period, it.offset, it.cost, i - 1 }
      end
    end
  end
  return busy
end

local function decide(items, states, now, max_wait)
  local n = #items
  if max_wait < 0 then -- a negative max_wait only asks when: it never books, never counts
    if n == 1 then
      return spack('<dddd', earliest(states[1], items[1], now, now), now, 0, 0)
    end
    local t, binding = common_start(items, states, now)
    return spack('<dddd', t, now, 0, binding)
  end
  local taken = 0
  for i = 1, n do
    if not take_now(states[i], items[i], now) then
      break
    end
    taken = i
  end
  if taken == n then
    local counted, deferral = fair_check(busy_items(items, states, now, true), now, max_wait)
    if deferral ~= nil then
      return deferral, false -- nothing saved: the takes above are dropped with the states
    end
    fair_count(counted, {}, now)
    return spack('<d', now)
  end
  for i = taken, 1, -1 do
    untake(states[i], items[i], now)
  end
  local counted, deferral = fair_check(busy_items(items, states, now, false), now, max_wait)
  if deferral ~= nil then
    return deferral, false
  end
  local t, binding
  if n == 1 then
    t, binding = earliest(states[1], items[1], now, now), 0
  else
    t, binding = common_start(items, states, now)
  end
  if max_wait == max_wait and t - now > max_wait then
    return spack('<dddd', t, now, 0, binding)
  end
  local waits = {} -- the wait counts on the budget that set the start
  for j = 1, #counted do
    if counted[j][3] == binding then
      waits[j] = t
    end
  end
  fair_count(counted, waits, now)
  if n == 1 then
    return spack('<ddddd', t, now, 1, 0, commit(states[1], items[1], t))
  end
  return book_all(items, states, t, now, binding)
end

return with_states(ARGV[1], decide, true)

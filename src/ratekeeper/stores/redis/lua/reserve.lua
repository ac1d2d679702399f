-- reserve: KEYS = one state key per item; ARGV[1] = <now, max_wait, ttl margin> (NaN: none),
-- ARGV[1 + i] = item i (see ITEM). The two steps a Limiter takes with a MemoryStore:
-- take_many_locked (every item admitted now, or none: untake what was taken), then
-- reserve_locked (the earliest common start over all items, booked all or nothing). A
-- negative max_wait skips the first step: it reports the start and books nothing.
-- Returns one string of little-endian doubles:
--   <now>                                   every item admitted now (placed at now)
--   <start, now, granted, binding, placed…>  otherwise (no placed times when not granted)

local function decide(items, states, now, max_wait)
  local n = #items
  if not (max_wait < 0) then -- a negative max_wait only asks when: it never books
    local taken = 0
    for i = 1, n do
      if not take_now(states[i], items[i], now) then
        break
      end
      taken = i
    end
    if taken == n then
      return spack('<d', now)
    end
    for i = taken, 1, -1 do
      untake(states[i], items[i], now)
    end
  end
  if n == 1 then
    local t = earliest(states[1], items[1], now, now)
    if max_wait == max_wait and t - now > max_wait then
      return spack('<dddd', t, now, 0, 0)
    end
    return spack('<ddddd', t, now, 1, 0, commit(states[1], items[1], t))
  end
  local t, binding = common_start(items, states, now)
  if max_wait == max_wait and t - now > max_wait then
    return spack('<dddd', t, now, 0, binding)
  end
  return book_all(items, states, t, now, binding)
end

return with_states(ARGV[1], decide, true)

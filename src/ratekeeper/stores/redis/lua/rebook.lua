-- rebook: KEYS and ARGV as in reserve.lua, each item's `at` where it is booked now. Room was
-- freed: give the booking back and book the earliest common start instead, if that comes
-- before the old one; otherwise change nothing. Mirrors _algorithms.rebook. Returns
--   <start, now, 1, binding, placed…>  moved earlier
--   <old, now, 0, binding, old placed…> left where it was (nothing written)

-- With max_wait +inf in the head (a waiter whose slot has come, checking it against the
-- bookings moved since): give the booking back and book the earliest common start from now,
-- wherever it falls (always granted).

return with_states(ARGV[1], function(items, states, now, max_wait)
  local n = #items
  if max_wait == INF then
    for i = 1, n do
      refund(states[i], items[i], now)
    end
    local t, binding = common_start(items, states, now)
    return book_all(items, states, t, now, binding)
  end
  local old = NINF
  for i = 1, n do
    old = mmax(old, items[i].at)
  end
  local function stay(binding)
    local out = { spack('<dddd', old, now, 0, binding) }
    for i = 1, n do
      out[i + 1] = spack('<d', items[i].at)
    end
    return concat(out), false
  end
  if old <= now then
    return stay(0)
  end
  for i = 1, n do
    refund(states[i], items[i], now)
  end
  local t, binding = common_start(items, states, now)
  if t - now > old - now or not (t < old) then
    return stay(binding)
  end
  return book_all(items, states, t, now, binding)
end, true)

-- snapshot: KEYS and ARGV as in reserve.lua; writes nothing. Returns <used, reserved,
-- next_free, blocked_for, cap> per key, as little-endian doubles (cap NaN: the limit's).
return with_states(ARGV[1], function(items, states, now)
  local out = {}
  for i = 1, #items do
    out[i] = spack('<ddddd', snapshot(states[i], items[i], now))
  end
  return concat(out)
end, false)

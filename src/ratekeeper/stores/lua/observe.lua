-- observe: one key and item as in reserve.lua, then ARGV[3] = <used, remaining, reset_after,
-- cap, blocked_for> (NaN: not said). Makes the state at least as pessimistic as the server.
return with_states(ARGV[1], function(items, states, now)
  local used, remaining, reset_after, cap, blocked_for = sunpack('<ddddd', ARGV[3])
  observe(states[1], items[1], now, used, remaining, reset_after, cap, blocked_for)
  return 1
end, true)

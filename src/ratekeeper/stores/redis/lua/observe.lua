-- observe: one key and item as in reserve.lua, then ARGV[3] = <used, remaining, reset_after,
-- cap, blocked_for> (NaN: not said). Makes the state at least as pessimistic as the server;
-- after a loss of state, a count from the venue replaces the fill of this budget.
return with_states(ARGV[1], function(items, states, now)
  local used, remaining, reset_after, cap, blocked_for = sunpack('<ddddd', ARGV[3])
  if LOST ~= nil and (used == used or remaining == remaining) then
    resync(states[1], items[1], KEYS[1], now) -- the venue's count, not the fill, from now on
  end
  observe(states[1], items[1], now, used, remaining, reset_after, cap, blocked_for)
  return 1
end, true)

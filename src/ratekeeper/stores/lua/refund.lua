-- refund: KEYS and ARGV as in reserve.lua; each item's cost is given back where it was
-- booked (the item's `at`), never more than was booked there.
return with_states(ARGV[1], function(items, states, now)
  for i = 1, #items do
    refund(states[i], items[i], now)
  end
  return 1
end, true)

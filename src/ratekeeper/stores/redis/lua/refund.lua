-- refund: KEYS and ARGV as in reserve.lua; each item's cost is given back where it was
-- booked (the item's `at`), never more than was booked there.
-- Each budget given room is announced on its own channel (the key plus '|freed'), so that
-- processes waiting on it move their bookings earlier; the message is the refunding store's
-- id (ARGV[1] past the head), which its own listener skips.
return with_states(ARGV[1], function(items, states, now)
  for i = 1, #items do
    refund(states[i], items[i], now)
  end
  local origin = string.sub(ARGV[1], 25)
  if origin ~= '' then
    for i = 1, #items do
      if items[i].cost > 0 then
        rcall('PUBLISH', KEYS[i] .. '|freed', origin)
      end
    end
  end
  return 1
end, true)

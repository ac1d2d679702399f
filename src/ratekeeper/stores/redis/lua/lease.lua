-- lease: the leases of concurrent limits; mirrors _algorithms.lease / lease_snapshot.
--
-- Storage: one hash per (limit, scope) (key letter 'c'): holder -> <units, expires_at>, two
-- little-endian doubles. A lease is live while now < expires_at. The key's TTL covers its
-- latest lease plus the margin, so an idle key goes by itself; the hash disappears when its
-- last holder is removed.
--
-- ARGV[1] = <now (NaN: the server's TIME), unused, ttl margin>; ARGV[2] = the operation:
--   'l'  lease: KEYS[1] = the hash; ARGV[3] = <units, ttl, capacity>; ARGV[4] = the holder.
--        Drops expired leases, then refuses (changing nothing else) if the holder asks for
--        more than it holds and the others leave no room; else units == 0 deletes the
--        holder's lease and any other value sets it to <units, now + ttl>.
--        Returns <granted (1/0), held after the call, retry_after>.
--   'r'  read (writes nothing): KEYS = hashes. Returns, per key, an array: a string of
--        <units, seconds left> per live lease, then the holders' names in the same order.
-- The loader (redis.py) prepends TOL, LOST_HOLDER and generation.lua (the last key is the
-- generation marker; LOST is the store time of a loss of state, if any).

local spack, sunpack = struct.pack, struct.unpack
local rcall = redis.call
local INF, NINF = math.huge, -math.huge
local mmax = math.max

local function now_of(given)
  -- the caller's time (tests drive it with a fake clock); NaN means "the server's TIME"
  if given == given then
    return given
  end
  local tm = rcall('TIME')
  return tonumber(tm[1]) + tonumber(tm[2]) / 1000000
end

local given, _, margin = sunpack('<ddd', ARGV[1])
local now = now_of(given)
local op = ARGV[2]

if op == 'r' then
  local out = {}
  for i = 1, NKEYS do
    local flat = rcall('HGETALL', KEYS[i])
    local nums, entry = {}, { '' }
    for j = 1, #flat, 2 do
      local units, expires = sunpack('<dd', flat[j + 1])
      if expires > now then
        nums[#nums + 1] = spack('<dd', units, expires - now)
        entry[#entry + 1] = flat[j]
      end
    end
    entry[1] = table.concat(nums)
    out[i] = entry
  end
  return out
end

local key = KEYS[1]
local units, ttl, capacity = sunpack('<ddd', ARGV[3])
local holder = ARGV[4]
if LOST ~= nil and LOST + ttl > now and rcall('HEXISTS', key, LOST_HOLDER) == 0 then
  -- the state was lost (generation.lua): leases held then are unknown, so the whole capacity
  -- is taken as held until a lease of this ttl taken then would have expired
  rcall('HSET', key, LOST_HOLDER, spack('<dd', capacity, LOST + ttl))
  local left = rcall('PTTL', key)
  local want = math.ceil((LOST + ttl - now + margin) * 1000)
  if left < want then
    rcall('PEXPIRE', key, want)
  end
end
local flat = rcall('HGETALL', key)
local current, mine, others, first, latest = 0.0, NINF, 0.0, INF, NINF
local expired = {}
for j = 1, #flat, 2 do
  local h = flat[j]
  local u, expires = sunpack('<dd', flat[j + 1])
  if expires <= now then
    expired[#expired + 1] = h
  elseif h == holder then
    current, mine = u, expires
  else
    others = others + u
    if expires < first then
      first = expires
    end
    if expires > latest then
      latest = expires
    end
  end
end
for j = 1, #expired, 1000 do
  rcall('HDEL', key, unpack(expired, j, math.min(j + 999, #expired)))
end

-- the refusal: nothing but the expired leases changes (the key's TTL still covers the rest)
if units > current and not (others + units <= capacity * (1.0 + TOL) + TOL) then
  local retry = 0.0
  if first < INF then
    retry = mmax(0.0, first - now)
  end
  return spack('<ddd', 0, others + current, retry)
end

local held
if units == 0 then
  rcall('HDEL', key, holder)
  held = others
else
  mine = now + ttl
  rcall('HSET', key, holder, spack('<dd', units, mine))
  held = others + units
  latest = mmax(latest, mine)
end
if latest > NINF then
  rcall('PEXPIRE', key, math.ceil((latest - now + margin) * 1000))
end
return spack('<ddd', 1, held, 0.0)

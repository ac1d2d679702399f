-- generation: run first by every script. Tells whether the state of this prefix is the state
-- the caller has been spending, or whether it was lost (a restart without persistence, a
-- flush, an eviction, a failover to another server) since.
--
-- The marker is the last key: a hash without a TTL (so volatile-* eviction never takes it).
--   id    the generation: who created it and when
--   born  the store time it was created
--   lost  the store time a loss was found, when this generation began with one: every budget
--         is then taken as full from that time (core.lua's fill, _algorithms.fill)
--   srv   the run_id of the server that holds the state (a restart or a failover changes it)
--   ev    the server's evicted_keys when last read (only read where eviction is possible)
--   clr   set when the generation began with a deliberate clear(): nothing was lost
--   r:KEY set once the venue's own count has replaced the fill of KEY (observe.lua)
-- The last ARGV is '<known>|<instance>|<flags>': the generation this caller holds ('' for
-- none yet), its store's id (for new ids), and flags: 'i' to read the server's run_id and
-- memory policy (a caller's first call, and its first after an error), 'e' to read
-- evicted_keys (the server may evict).
--
-- When the caller must learn something, the script does the bookkeeping and answers an
-- error, 'RKGEN <id> <lost or -> <why> <maxmemory> <policy>', and nothing else: the caller
-- adopts the generation and sends its call again. why: new (a store never used), lost (the
-- state vanished: the marker with it), server (another server answers: restart, failover),
-- evicted (the server evicted keys), gone (another caller found the loss first), cleared,
-- checked (nothing changed). Otherwise LOST is set for the fill and the script goes on.

local MARKER, NKEYS = KEYS[#KEYS], #KEYS - 1

-- the store time of the loss this generation began with (nil: none), or an RKGEN error reply
local function generation()
  local gen = ARGV[#ARGV]
  local known, instance, flags = string.match(gen, '^([^|]*)|([^|]*)|(.*)$')
  local m = redis.call('HMGET', MARKER, 'id', 'lost')
  local id, lost = m[1], m[2]
  if id == known and flags == '' then -- the common case: the generation this caller spends
    if lost then
      return tonumber(lost)
    end
    return nil
  end
  m = redis.call('HMGET', MARKER, 'srv', 'ev', 'clr', 'born')
  local srv, ev, clr, born = m[1], m[2], m[3], m[4]
  local run_id, maxmemory, policy, evicted = nil, '-', '-', nil
  if string.find(flags, 'i', 1, true) then
    run_id = string.match(redis.call('INFO', 'server'), 'run_id:(%w+)')
    local mem = redis.call('INFO', 'memory')
    maxmemory = string.match(mem, 'maxmemory:(%d+)') or '-'
    policy = string.match(mem, 'maxmemory_policy:([%w%-]+)') or '-'
  end
  if string.find(flags, 'e', 1, true) or (maxmemory ~= '-' and maxmemory ~= '0' and policy ~= 'noeviction') then
    evicted = string.match(redis.call('INFO', 'stats'), 'evicted_keys:(%d+)')
  end
  local function clock()
    local given = struct.unpack('<d', ARGV[1])
    if given == given then
      return given
    end
    local tm = redis.call('TIME')
    return tonumber(tm[1]) + tonumber(tm[2]) / 1000000
  end
  local function fresh(why, at)
    local tm = redis.call('TIME')
    local new = instance .. '.' .. tm[1] .. '.' .. tm[2]
    redis.call('DEL', MARKER)
    local fields = { 'id', new, 'born', string.format('%.17g', at) }
    if why ~= 'new' then
      fields[#fields + 1] = 'lost'
      fields[#fields + 1] = string.format('%.17g', at)
    end
    if run_id then
      fields[#fields + 1] = 'srv'
      fields[#fields + 1] = run_id
    end
    if evicted then
      fields[#fields + 1] = 'ev'
      fields[#fields + 1] = evicted
    end
    redis.call('HSET', MARKER, unpack(fields))
    return new, (why ~= 'new') and string.format('%.17g', at) or false
  end
  local why = nil
  if not id then
    -- nothing here: a store never used, unless this caller held a generation, whose marker
    -- (written without a TTL) went with the rest of the state
    if known == '' then
      why = 'new'
    else
      why = 'lost'
    end
    id, lost = fresh(why, clock())
  elseif run_id and srv and srv ~= run_id then
    why = 'server'
    id, lost = fresh(why, clock())
  elseif evicted and ev and tonumber(ev) < tonumber(evicted) then
    why = 'evicted'
    id, lost = fresh(why, clock())
  else
    if evicted and ev ~= evicted then
      redis.call('HSET', MARKER, 'ev', evicted) -- a baseline (or a server whose stats were reset)
    end
    if run_id and not srv then
      redis.call('HSET', MARKER, 'srv', run_id)
    end
    if id ~= known then
      if known == '' then
        why = 'checked'
      elseif clr then
        why = 'cleared'
      elseif lost then
        why = 'gone'
      else
        -- made by a caller that knew nothing after the state vanished: the loss dates from then
        why = 'gone'
        lost = born
        redis.call('HSET', MARKER, 'lost', lost)
      end
    elseif run_id then
      why = 'checked'
    end
  end
  if why then
    return nil, redis.error_reply('RKGEN ' .. id .. ' ' .. (lost or '-') .. ' ' .. why .. ' ' .. maxmemory .. ' ' .. policy)
  end
  if lost then
    return tonumber(lost)
  end
  return nil
end

local LOST, RKGEN = generation()
if RKGEN then
  return RKGEN
end

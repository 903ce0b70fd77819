-- The timeline's filtered pages read a few hundred rows along a time index (connector, service, …) and stop at
-- the page's end; at the default random_page_cost (4, for spinning disks) the planner instead gathers every
-- match of the range with bitmaps and sorts them, ~100x slower on a large table. On SSDs and cloud volumes a
-- random read costs about as much as a sequential one. Where the role may not change the database's settings,
-- the default stays.
DO $$
BEGIN
  EXECUTE format('ALTER DATABASE %I SET random_page_cost = 1.1', current_database());
EXCEPTION WHEN insufficient_privilege THEN
  RAISE NOTICE 'random_page_cost left at its default: %', SQLERRM;
END $$;

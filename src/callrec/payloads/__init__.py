"""JSON documents in and out: the hardened reader every input file goes through
(:mod:`.reading`) and the bases of callrec's pydantic models (:mod:`.fields`)."""

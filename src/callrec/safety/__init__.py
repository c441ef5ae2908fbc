"""What keeps hostile input and shared disks from doing harm: secrets kept out of everything
written (:mod:`.redaction`), bounds on every number from a file (:mod:`.limits`), file names from
identifiers (:mod:`.naming`), files that appear whole or not at all (:mod:`.atomic`), one run per
output folder (:mod:`.locking`), and worker processes a crash cannot take down (:mod:`.workers`)."""

"""A recording to files: typed options (:mod:`.options`), tracks assembled from the media
(:mod:`.tracks`), tracks measured together (:mod:`.groups`), the run over one recording
(:mod:`.run`), what it found per track (:mod:`.results`), the report model (:mod:`.report`)
built from those typed values (:mod:`.building`) with its call-quality flags (:mod:`.quality`),
its tables (:mod:`.tables`), the folder that owns everything written (:mod:`.folder`), the size
checks made before anything is (:mod:`.sizes`), and ``inspect``'s summary (:mod:`.summary`)."""

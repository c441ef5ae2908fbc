"""A recording to files: typed options (:mod:`.options`), tracks assembled from the media
(:mod:`.tracks`), tracks measured together (:mod:`.groups`), the run over one recording
(:mod:`.run`), the report model (:mod:`.report`) built from typed values (:mod:`.building`), its
tables (:mod:`.tables`), the folder that owns everything written (:mod:`.folder`), the size
checks made before anything is (:mod:`.sizes`), and ``inspect``'s summary (:mod:`.summary`)."""

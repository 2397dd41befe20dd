"""Request pages: the citizen's (``citizen``) and the staff's (``staff``)."""

"""The queue's pages, one module per audience: ``citizen`` (booking, my tickets), ``desk`` (the
petugas's office desk and counter console), ``kiosk`` (the touch screen), ``printing`` (a ticket on
paper or as ESC/POS bytes), ``board`` (the waiting room: display board, live status, a ticket's
public status) and ``manage`` (the office admin's queue settings).

Thin: a view parses the request, asks ``selectors`` or calls one verb of ``services``, and renders.
"""

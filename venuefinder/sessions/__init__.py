"""Club sessions: the pure domain (no database, no Flask).

* :mod:`.plans` — workout plans: the three templates and custom plans as steps with
  durations and totals, tied to the venue (yo-yo lengths, intervals as laps or lengths).
* :mod:`.checks` — the checks before publishing: the venue fits the group and the plan,
  daylight against lighting, open hazards, the venue's score.
* :mod:`.pairing` — runners who need a spotter paired with those who can spot.
* :mod:`.timezones` — the venue's time zone from its coordinates, start times.
* :mod:`.ical` — iCalendar files of one session or a club's feed.

The store (:mod:`venuefinder.store.sessions`) keeps clubs, sessions and sign-ups and calls
these; the web only calls the store and these. Where the venue is and its suggested meeting
point are venue facts, found when the region is scored (:mod:`venuefinder.meeting`). This
package module imports nothing.
"""

"""Meetings (issue 10 item 1): morning, weekly and ad-hoc meetings with a generated agenda,
minutes, action items on the time-limit engine and the weekly collective scheme decision."""

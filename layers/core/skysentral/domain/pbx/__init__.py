"""The cloud PBX (A1-A14): pure rules, no AWS.

- routing_plan: a company's routing configuration as values (number plan, menus, answer
  groups, queues, callback, opening hours, presence routing) and its JSON form;
- plan_validation: what a plan must satisfy before it is saved;
- opening_hours: which routing applies at an instant (Europe/Oslo, Norwegian holidays);
- ring_strategies: the order in which members are offered a call (Asterisk's strategies);
- call_events: the versioned call events (queue_log-like) every call step emits;
- call_flow: the SIP media application's decisions (event + call state → actions);
- presence: availability states and where they send a person's calls;
- barring: which outgoing destinations a subscription may not call (A9).
"""

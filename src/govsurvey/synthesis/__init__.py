"""The mixed-methods synthesis: the joint display of survey, interview and case evidence per
problem and cause, and the optimisation path built from it."""

"""Policy: phases, duties, autonomy, limits, the gate, trust figures and the advisor. Pure."""

"""Operations KPIs computed from stored state: SLA compliance, closed loop, rework, utilisation."""

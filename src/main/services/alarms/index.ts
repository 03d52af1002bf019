export { AlarmService, DEFAULT_RULES, type AlarmNotification, type AlarmServiceOptions } from './alarm-service';
export { RuleStore, RULES_FOLDER, ruleFileName, type RuleNotice } from './rule-store';

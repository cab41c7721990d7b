/** The workflows `npm start` serves: one per message type, questions (one with a deadline), and a ticker. */
export { calculator, echo, report_error, system_notice } from './message-types.ts'
export { approval, greet, pick_toppings, quiz_loop, secret_check } from './questions.ts'
export { simple_learning } from './simple-learning.ts'
export { ticker } from './ticker.ts'
export { weather_tools } from './weather-tools.ts'

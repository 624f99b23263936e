/**
 * Small themed word lists for the `sim` policy's values: names of products, hotels, restaurants, companies...,
 * search queries and free texts per topic, streets, postal codes and countries of the cities it uses. Plain data;
 * values.ts picks from them with a seeded Rng.
 */

export const PEOPLE = ["Jordan Lee", "Priya Shah", "Marco Bianchi", "Sara Nilsson", "Omar Farouk", "Chen Wei", "Laura Gómez"];

/** Cities with a plausible postal code, country name and ISO 3166 alpha-2 code. */
export const CITY_INFO: Record<string, { postal: string[]; country: string; code: string }> = {
  Lisbon: { postal: ["1100-148", "1250-096", "1200-195"], country: "Portugal", code: "PT" },
  Chicago: { postal: ["60601", "60614", "60657"], country: "United States", code: "US" },
  Seattle: { postal: ["98101", "98109", "98122"], country: "United States", code: "US" },
  Toronto: { postal: ["M5V 2T6", "M4C 1B5", "M6J 1E6"], country: "Canada", code: "CA" },
  Berlin: { postal: ["10115", "10178", "10999"], country: "Germany", code: "DE" },
  Tokyo: { postal: ["100-0005", "150-0002", "160-0022"], country: "Japan", code: "JP" },
  Madrid: { postal: ["28013", "28004", "28014"], country: "Spain", code: "ES" },
  Boston: { postal: ["02108", "02116", "02139"], country: "United States", code: "US" },
  Denver: { postal: ["80202", "80205", "80218"], country: "United States", code: "US" },
  Dublin: { postal: ["D02 X285", "D08 T6DC", "D04 C932"], country: "Ireland", code: "IE" },
  Amsterdam: { postal: ["1012 JS", "1017 CT", "1071 XX"], country: "Netherlands", code: "NL" },
};
export const CITIES = Object.keys(CITY_INFO);
export const COUNTRIES = ["Portugal", "Canada", "Japan", "Germany", "Spain", "Ireland", "Netherlands", "Australia"];
export const COUNTRY_CODES = ["PT", "CA", "JP", "DE", "ES", "IE", "NL", "US"];
export const AIRPORTS = ["JFK", "LAX", "SFO", "ORD", "SEA", "BOS", "MIA", "ATL", "DEN", "LHR", "CDG", "HND", "FRA", "AMS", "LIS"];
export const CURRENCIES = ["USD", "EUR", "GBP", "JPY", "CAD", "AUD"];
export const STREETS = ["Harbor Street", "Oak Avenue", "Maple Road", "Elm Street", "Riverside Drive", "Park Lane", "Church Street", "Mill Road"];

export const PRODUCTS = [
  "Trailblazer Rain Jacket",
  "Aria Wireless Headphones",
  "Nordic Wool Sweater",
  "Summit 30L Backpack",
  "Barista Pro Coffee Grinder",
  "Lumen LED Desk Lamp",
  "Cloudstep Running Shoes",
  "Everyday Cotton T-Shirt",
  "Voyager Carry-On Suitcase",
  "Quiet Mind Paperback Set",
];
/** Category and a one-line description of each product (a product's description fits its name). */
export const PRODUCT_INFO: Record<string, { category: string; description: string }> = {
  "Trailblazer Rain Jacket": { category: "outdoor", description: "Lightweight and water-resistant, with taped seams and a packable hood." },
  "Aria Wireless Headphones": { category: "electronics", description: "Over-ear headphones with active noise cancelling and 30 hours of battery." },
  "Nordic Wool Sweater": { category: "clothing", description: "Soft merino wool, machine washable, in a relaxed fit." },
  "Summit 30L Backpack": { category: "outdoor", description: "A 30-litre daypack with a padded laptop sleeve and rain cover." },
  "Barista Pro Coffee Grinder": { category: "home", description: "Conical burr grinder with 18 grind settings, from espresso to French press." },
  "Lumen LED Desk Lamp": { category: "home", description: "Dimmable LED lamp with three colour temperatures and a USB charging port." },
  "Cloudstep Running Shoes": { category: "clothing", description: "Cushioned road running shoes with a breathable mesh upper." },
  "Everyday Cotton T-Shirt": { category: "clothing", description: "Organic cotton crew-neck tee in a regular fit." },
  "Voyager Carry-On Suitcase": { category: "outdoor", description: "Hard-shell cabin suitcase with spinner wheels and a TSA lock." },
  "Quiet Mind Paperback Set": { category: "books", description: "Three bestselling paperbacks on focus and calm, in a gift box." },
};
export const PRODUCT_QUERIES = ["rain jacket", "wireless headphones", "running shoes", "wool sweater", "coffee grinder", "travel backpack", "desk lamp"];
export const PRODUCT_TEXTS = [
  "Lightweight and water-resistant, with taped seams and a packable hood.",
  "Over-ear headphones with active noise cancelling and 30 hours of battery.",
  "Soft merino wool, machine washable, in a relaxed fit.",
  "Durable everyday design with a two-year warranty.",
];
export const HOTELS = ["Harbor View Hotel", "The Grand Meridian", "Casa Azul Inn", "Parkside Suites", "The Linden House", "Riverside Lodge", "Hotel Aurora"];
export const RESTAURANTS = ["The Green Table", "Trattoria Lucca", "Blue Door Bistro", "Sakura Garden", "Casa Lola", "The Copper Pot"];
export const COMPANIES = ["Acme Corp", "Northwind Traders", "Globex", "Initech", "Blue Harbor Labs", "Summit Logistics"];
export const AIRLINES = ["TAP Air Portugal", "Delta Air Lines", "KLM", "Lufthansa", "United Airlines", "Air Canada"];
export const AIRLINE_CODES = ["TP", "DL", "KL", "LH", "UA", "AC"];
/** IATA code of each airline in AIRLINES (same order). */
export const AIRLINE_CODE: Record<string, string> = Object.fromEntries(AIRLINES.map((a, i) => [a, AIRLINE_CODES[i]!]));
/** The city each airport in AIRPORTS serves. */
export const AIRPORT_CITY: Record<string, string> = {
  JFK: "New York", LAX: "Los Angeles", SFO: "San Francisco", ORD: "Chicago", SEA: "Seattle", BOS: "Boston",
  MIA: "Miami", ATL: "Atlanta", DEN: "Denver", LHR: "London", CDG: "Paris", HND: "Tokyo", FRA: "Frankfurt",
  AMS: "Amsterdam", LIS: "Lisbon",
};
export const COURIERS = ["UPS", "DHL Express", "FedEx", "PostNL", "DPD"];
export const MOVIES = ["The Grand Budapest Hotel", "Spirited Away", "Inception", "Arrival", "Paddington 2"];
export const SONGS = ["Clair de Lune", "Bohemian Rhapsody", "Here Comes the Sun", "Dancing Queen"];
export const ARTISTS = ["Norah Jones", "Daft Punk", "Adele", "Miles Davis"];
export const BOOKS = ["Dune", "Pride and Prejudice", "The Midnight Library", "Project Hail Mary"];
export const PLAYLISTS = ["Morning Focus", "Road Trip Mix", "Sunday Chill", "Workout Boost"];
export const TEAMS = ["Lisbon Lions", "Riverside FC", "Harbor City Hawks"];
export const PROJECTS = ["Website Redesign", "Q3 Budget Review", "Mobile App Launch", "Office Move"];
export const EVENTS = ["Team Offsite", "Product Launch Party", "Quarterly Review", "Design Workshop"];
export const CUISINES = ["Italian", "Thai", "Mexican", "Japanese", "Portuguese"];
export const FILES = ["report.pdf", "notes.txt", "summary.docx", "data.csv", "budget.xlsx"];
/** Proper-name words for things the lists above do not cover ("Atlas Workspace"). */
export const PROPER = ["Atlas", "Orion", "Harbor", "Summit", "Aurora", "Cedar", "Nova", "Juniper"];

export const NOTE_TITLES = ["Packing list", "Trip ideas for Lisbon", "Meeting notes", "Groceries", "Gift ideas", "Reading list", "Book club questions"];
export const NOTE_QUERIES = ["packing", "meeting", "groceries", "trip", "gift ideas", "reading list"];
export const NOTE_TEXTS = [
  "Bring the charger, passport and the rain jacket.",
  "Ask Sam about the budget before Friday.",
  "Milk, eggs, spinach and coffee beans.",
  "Book the museum tickets a week ahead.",
  "Call the landlord about the heating.",
];
export const SUPPORT_TOPICS = [
  "login page error",
  "delayed delivery",
  "broken checkout button",
  "account access issue",
  "invoice mismatch",
  "slow dashboard loading",
  "password reset email not arriving",
];
export const SUPPORT_TEXTS = [
  "The page shows an error after I submit the form.",
  "I was charged twice for the same order.",
  "The app crashes when I open the settings screen.",
  "I need an update on the status of my request.",
  "Everything worked until yesterday's update.",
];
export const MESSAGE_TEXTS = [
  "Running ten minutes late, see you soon.",
  "Can we move our call to Thursday afternoon?",
  "Thanks for your help yesterday!",
  "The documents are attached; let me know if anything is missing.",
];
export const REVIEW_TEXTS = ["Great quality and fast delivery.", "Comfortable and exactly as described.", "Good value, but the sizing runs small."];
export const GENERIC_QUERIES = ["weekend hiking trails", "best coffee nearby", "latest market news", "museum opening hours"];
export const MEETING_TITLES = ["Weekly team sync", "Project kickoff", "Budget review", "Dentist appointment", "Lunch with Sam"];
export const JOB_TITLES = ["Data Analyst", "Product Designer", "Backend Engineer", "Marketing Manager"];
export const RESULT_MESSAGES = [
  "Your request has been processed successfully.",
  "The operation completed without issues.",
  "Request received; a confirmation has been sent.",
];
export const WEATHER_CONDITIONS = ["sunny", "partly cloudy", "light rain", "overcast", "clear", "showers"];
export const POLLUTANTS = ["pm2.5", "pm10", "o3", "no2"];
export const ADVICE = [
  "Air quality is good; enjoy your outdoor activities.",
  "Sensitive groups should limit long outdoor exertion.",
  "Consider keeping windows closed during rush hour.",
];

/** An end word of a pair of fields and the start words it pairs with; `maxDays`: the longest plausible span. */
export interface FieldPair {
  end: string;
  starts: readonly string[];
  maxDays?: number;
}

/**
 * The range table: end-of-range words, the start words they pair with (check_out <- check_in, return <-
 * departure), and the longest plausible span in days (a hotel stay of two weeks at most, a flight's arrival
 * within a day). An end value comes after its start value (dates, date-times, times and numbers alike).
 */
export const RANGE_PAIRS: readonly FieldPair[] = [
  { end: "out", starts: ["in"], maxDays: 14 },
  { end: "checkout", starts: ["checkin"], maxDays: 14 },
  { end: "end", starts: ["start", "begin"], maxDays: 14 },
  { end: "until", starts: ["from", "since", "start"], maxDays: 14 },
  { end: "to", starts: ["from"], maxDays: 14 },
  { end: "return", starts: ["departure", "depart", "outbound", "start", "pickup"], maxDays: 21 },
  { end: "arrival", starts: ["departure"], maxDays: 1 },
  { end: "arrive", starts: ["depart"], maxDays: 1 },
  { end: "finish", starts: ["start"], maxDays: 14 },
  { end: "dropoff", starts: ["pickup"], maxDays: 14 },
  { end: "updated", starts: ["created"] },
  { end: "max", starts: ["min"] },
  { end: "maximum", starts: ["minimum"] },
  { end: "high", starts: ["low"] },
  { end: "highest", starts: ["lowest"] },
  { end: "latest", starts: ["earliest"] },
];

/** Pairs whose values should differ (converting from a unit to the same unit, flying from JFK to JFK). */
export const DISTINCT_PAIRS: readonly FieldPair[] = [
  { end: "to", starts: ["from"] },
  { end: "destination", starts: ["origin", "source", "departure"] },
  { end: "target", starts: ["source"] },
  { end: "arrival", starts: ["departure"] },
];

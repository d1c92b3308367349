/**
 * Towns of England and Wales with their postcode area and some real district numbers, weighted
 * roughly by population (thousands), and street names to build addresses from. Postcodes are
 * made from a real outward code (area + district) and a random inward code of the legal shape,
 * so they pass the UK postcode pattern without claiming to be real delivery points.
 */

/** One town and the postcode districts that cover it. */
export interface Town {
  name: string;
  area: string;
  districts: readonly number[];
  /** Relative size, roughly thousands of residents. */
  weight: number;
}

const range = (from: number, to: number): number[] => Array.from({ length: to - from + 1 }, (_, i) => from + i);

export const TOWNS: readonly Town[] = [
  { name: 'London', area: 'E', districts: range(1, 18), weight: 650 },
  { name: 'London', area: 'N', districts: range(1, 22), weight: 650 },
  { name: 'London', area: 'SE', districts: range(1, 28), weight: 850 },
  { name: 'London', area: 'SW', districts: range(1, 20), weight: 750 },
  { name: 'London', area: 'NW', districts: range(1, 11), weight: 450 },
  { name: 'London', area: 'W', districts: range(1, 14), weight: 450 },
  { name: 'Croydon', area: 'CR', districts: [0, 2, 4, 5, 7, 8], weight: 390 },
  { name: 'Kingston upon Thames', area: 'KT', districts: range(1, 9), weight: 180 },
  { name: 'Birmingham', area: 'B', districts: range(1, 48), weight: 1140 },
  { name: 'Manchester', area: 'M', districts: range(1, 40), weight: 550 },
  { name: 'Leeds', area: 'LS', districts: range(1, 29), weight: 790 },
  { name: 'Liverpool', area: 'L', districts: range(1, 38), weight: 490 },
  { name: 'Sheffield', area: 'S', districts: range(1, 36), weight: 560 },
  { name: 'Bristol', area: 'BS', districts: range(1, 16), weight: 470 },
  { name: 'Newcastle upon Tyne', area: 'NE', districts: range(1, 15), weight: 300 },
  { name: 'Nottingham', area: 'NG', districts: range(1, 16), weight: 330 },
  { name: 'Leicester', area: 'LE', districts: range(1, 9), weight: 370 },
  { name: 'Coventry', area: 'CV', districts: range(1, 6), weight: 350 },
  { name: 'Bradford', area: 'BD', districts: range(1, 15), weight: 540 },
  { name: 'Hull', area: 'HU', districts: range(1, 10), weight: 270 },
  { name: 'Stoke-on-Trent', area: 'ST', districts: range(1, 6), weight: 260 },
  { name: 'Wolverhampton', area: 'WV', districts: range(1, 14), weight: 260 },
  { name: 'Derby', area: 'DE', districts: [1, 3, 21, 22, 23, 24], weight: 260 },
  { name: 'Southampton', area: 'SO', districts: range(14, 19), weight: 250 },
  { name: 'Portsmouth', area: 'PO', districts: range(1, 6), weight: 210 },
  { name: 'Plymouth', area: 'PL', districts: range(1, 9), weight: 260 },
  { name: 'Reading', area: 'RG', districts: range(1, 6), weight: 170 },
  { name: 'Northampton', area: 'NN', districts: range(1, 7), weight: 230 },
  { name: 'Luton', area: 'LU', districts: range(1, 4), weight: 220 },
  { name: 'Milton Keynes', area: 'MK', districts: range(1, 15), weight: 260 },
  { name: 'Brighton', area: 'BN', districts: range(1, 3), weight: 280 },
  { name: 'Norwich', area: 'NR', districts: range(1, 8), weight: 210 },
  { name: 'Exeter', area: 'EX', districts: range(1, 4), weight: 130 },
  { name: 'York', area: 'YO', districts: [10, 23, 24, 26, 30, 31, 32], weight: 200 },
  { name: 'Cambridge', area: 'CB', districts: range(1, 5), weight: 150 },
  { name: 'Oxford', area: 'OX', districts: range(1, 4), weight: 160 },
  { name: 'Ipswich', area: 'IP', districts: range(1, 5), weight: 140 },
  { name: 'Peterborough', area: 'PE', districts: range(1, 4), weight: 210 },
  { name: 'Swindon', area: 'SN', districts: range(1, 5), weight: 230 },
  { name: 'Gloucester', area: 'GL', districts: range(1, 4), weight: 130 },
  { name: 'Cheltenham', area: 'GL', districts: range(50, 53), weight: 120 },
  { name: 'Bath', area: 'BA', districts: [1, 2], weight: 100 },
  { name: 'Bournemouth', area: 'BH', districts: range(1, 11), weight: 400 },
  { name: 'Preston', area: 'PR', districts: range(1, 5), weight: 150 },
  { name: 'Blackpool', area: 'FY', districts: range(1, 4), weight: 140 },
  { name: 'Blackburn', area: 'BB', districts: [1, 2], weight: 150 },
  { name: 'Bolton', area: 'BL', districts: range(1, 7), weight: 290 },
  { name: 'Wigan', area: 'WN', districts: range(1, 6), weight: 330 },
  { name: 'Warrington', area: 'WA', districts: range(1, 5), weight: 210 },
  { name: 'Stockport', area: 'SK', districts: range(1, 7), weight: 290 },
  { name: 'Oldham', area: 'OL', districts: range(1, 9), weight: 240 },
  { name: 'Huddersfield', area: 'HD', districts: range(1, 9), weight: 160 },
  { name: 'Halifax', area: 'HX', districts: range(1, 7), weight: 90 },
  { name: 'Wakefield', area: 'WF', districts: range(1, 4), weight: 350 },
  { name: 'Doncaster', area: 'DN', districts: range(1, 12), weight: 310 },
  { name: 'Rotherham', area: 'S', districts: range(60, 66), weight: 260 },
  { name: 'Barnsley', area: 'S', districts: range(70, 75), weight: 240 },
  { name: 'Harrogate', area: 'HG', districts: range(1, 5), weight: 160 },
  { name: 'Middlesbrough', area: 'TS', districts: range(1, 8), weight: 140 },
  { name: 'Sunderland', area: 'SR', districts: range(1, 7), weight: 270 },
  { name: 'Durham', area: 'DH', districts: range(1, 7), weight: 120 },
  { name: 'Carlisle', area: 'CA', districts: range(1, 3), weight: 110 },
  { name: 'Lancaster', area: 'LA', districts: [1, 2], weight: 140 },
  { name: 'Chester', area: 'CH', districts: range(1, 4), weight: 120 },
  { name: 'Shrewsbury', area: 'SY', districts: range(1, 5), weight: 100 },
  { name: 'Telford', area: 'TF', districts: range(1, 7), weight: 180 },
  { name: 'Worcester', area: 'WR', districts: range(1, 5), weight: 100 },
  { name: 'Hereford', area: 'HR', districts: range(1, 4), weight: 60 },
  { name: 'Lincoln', area: 'LN', districts: range(1, 6), weight: 100 },
  { name: 'Grimsby', area: 'DN', districts: range(31, 34), weight: 90 },
  { name: 'Colchester', area: 'CO', districts: range(1, 6), weight: 190 },
  { name: 'Chelmsford', area: 'CM', districts: range(1, 3), weight: 180 },
  { name: 'Southend-on-Sea', area: 'SS', districts: range(1, 9), weight: 180 },
  { name: 'Canterbury', area: 'CT', districts: range(1, 4), weight: 160 },
  { name: 'Maidstone', area: 'ME', districts: range(14, 17), weight: 170 },
  { name: 'Guildford', area: 'GU', districts: range(1, 5), weight: 150 },
  { name: 'Crawley', area: 'RH', districts: [10, 11], weight: 120 },
  { name: 'Watford', area: 'WD', districts: range(17, 25), weight: 100 },
  { name: 'St Albans', area: 'AL', districts: range(1, 5), weight: 150 },
  { name: 'Stevenage', area: 'SG', districts: [1, 2], weight: 90 },
  { name: 'Bedford', area: 'MK', districts: range(40, 45), weight: 180 },
  { name: 'Slough', area: 'SL', districts: range(1, 3), weight: 160 },
  { name: 'High Wycombe', area: 'HP', districts: range(10, 15), weight: 130 },
  { name: 'Salisbury', area: 'SP', districts: [1, 2], weight: 60 },
  { name: 'Taunton', area: 'TA', districts: range(1, 3), weight: 70 },
  { name: 'Torquay', area: 'TQ', districts: [1, 2], weight: 130 },
  { name: 'Truro', area: 'TR', districts: range(1, 4), weight: 60 },
  { name: 'Cardiff', area: 'CF', districts: range(3, 24), weight: 370 },
  { name: 'Swansea', area: 'SA', districts: range(1, 9), weight: 250 },
  { name: 'Newport', area: 'NP', districts: range(10, 20), weight: 160 },
  { name: 'Wrexham', area: 'LL', districts: range(11, 14), weight: 140 },
];

/** Street names, combined with a street type ("Church" + "Lane"). */
export const STREET_NAMES: readonly string[] = [
  'Church', 'Station', 'Victoria', 'Park', 'Main', 'High', 'Mill', 'School', 'Manor', 'Queens', 'Kings', 'Grange', 'Green', 'New', 'Springfield',
  'Windsor', 'Chestnut', 'Oak', 'Elm', 'Beech', 'Ash', 'Willow', 'Cedar', 'Hawthorn', 'Meadow', 'Orchard', 'Field', 'Brook', 'Bridge', 'Castle',
  'York', 'Albert', 'Alexandra', 'Clarence', 'Stanley', 'Richmond', 'Cambridge', 'Grove', 'Highfield', 'Hillside', 'Woodland', 'Forest', 'Lime',
  'Rose', 'Heather', 'Primrose', 'Poplar', 'Sycamore', 'Laburnum', 'Mount', 'North', 'South', 'West', 'East', 'Queen', 'George', 'Nelson',
  'Wellington', 'Market', 'Chapel', 'Farm', 'Vicarage', 'Rectory', 'Abbey', 'Priory', 'Kingsway', 'Lancaster', 'Devonshire', 'Ferndale', 'Moorland',
];

export const STREET_TYPES: readonly string[] = [
  'Road', 'Street', 'Lane', 'Avenue', 'Close', 'Drive', 'Way', 'Crescent', 'Gardens', 'Grove', 'Place', 'Terrace', 'Court', 'View', 'Rise',
];

/** House names, for the few addresses that have one instead of (or as well as) a number. */
export const HOUSE_NAMES: readonly string[] = [
  'Rose Cottage', 'The Cottage', 'Ivy House', 'The Old Rectory', 'Orchard House', 'The Laurels', 'Fernlea', 'Hillcrest', 'Woodlands', 'The Willows',
  'Meadow View', 'Holly Lodge', 'The Barn', 'Sunnyside', 'Brookside',
];

/** Blocks of flats and sheltered housing, where many of the elderly live. */
export const BUILDINGS: readonly string[] = [
  'Victoria Court', 'Elizabeth House', 'Mayfield Court', 'Beech House', 'Oakwood Court', 'Churchill House', 'Jubilee Court', 'Abbey Lodge',
  'St Mary\'s Court', 'Riverside House', 'Park View', 'Windsor Lodge',
];

/** Letters allowed in the inward code's unit (Royal Mail never uses C I K M O V there). */
export const INWARD_LETTERS = 'ABDEFGHJLNPQRSTUWXYZ';
